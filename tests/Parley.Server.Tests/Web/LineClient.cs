using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Parley.Protocol;
using Parley.Server.Tests.Infrastructure;

namespace Parley.Server.Tests.Web;

/// <summary>
/// A client of the real server over loopback that reads and writes whole IRC lines, with the
/// helpers of <see cref="TestClient"/> (expect, PING barrier, register). Every read has a timeout.
/// </summary>
public abstract class LineClient : IrcTestReader
{
    /// <summary>The next line, without its line ending; null once the server has closed.</summary>
    protected abstract Task<byte[]?> ReceiveLineAsync(CancellationToken cancellationToken);

    public override async Task<IrcMessage> ReadAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TestClient.DefaultTimeout);
        while (true)
        {
            byte[]? line;
            try
            {
                line = await ReceiveLineAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException("No message from the server in time.");
            }
            if (line is null)
            {
                throw new EndOfStreamException("The server closed the connection.");
            }
            if (IrcParser.TryParse(line, out var message, out _))
            {
                return message;
            }
        }
    }

    public async Task RegisterAsync(string nick)
    {
        await SendAsync("NICK " + nick);
        await SendAsync($"USER {nick} 0 * :{nick} real");
        await ExpectAsync(m => m.Command is Numerics.RPL_ENDOFMOTD or Numerics.ERR_NOMOTD);
    }

}

/// <summary>IRC over plain TCP.</summary>
public sealed class TcpLineClient : LineClient
{
    private readonly TcpClient _tcp;
    private readonly Stream _stream;
    private readonly StreamReader _reader;

    private TcpLineClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        _reader = new StreamReader(_stream, new UTF8Encoding(false));
    }

    public static async Task<TcpLineClient> ConnectAsync(IPEndPoint endpoint)
    {
        var tcp = new TcpClient(AddressFamily.InterNetwork);
        await tcp.ConnectAsync(endpoint);
        return new TcpLineClient(tcp);
    }

    public override Task SendAsync(string line) => SendRawAsync(Encoding.UTF8.GetBytes(line + "\r\n"));

    public async Task SendRawAsync(byte[] bytes) => await _stream.WriteAsync(bytes);

    protected override async Task<byte[]?> ReceiveLineAsync(CancellationToken cancellationToken)
    {
        var line = await _reader.ReadLineAsync(cancellationToken);
        return line is null ? null : Encoding.UTF8.GetBytes(line);
    }

    public override ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>IRC over WebSocket (ClientWebSocket): one line per message.</summary>
public sealed class WebSocketLineClient : LineClient
{
    private readonly byte[] _buffer = new byte[64 * 1024];

    private WebSocketLineClient(ClientWebSocket socket) => Socket = socket;

    public ClientWebSocket Socket { get; }

    /// <summary>Send binary messages (else text).</summary>
    public bool Binary { get; set; }

    /// <summary>The type of the last message received.</summary>
    public WebSocketMessageType LastType { get; private set; }

    public static async Task<WebSocketLineClient> ConnectAsync(IPEndPoint endpoint, string[]? subprotocols = null, string? origin = null, string path = "/")
    {
        var socket = new ClientWebSocket();
        foreach (var p in subprotocols ?? [])
        {
            socket.Options.AddSubProtocol(p);
        }
        if (origin is not null)
        {
            socket.Options.SetRequestHeader("Origin", origin);
        }
        using var cts = new CancellationTokenSource(TestClient.DefaultTimeout);
        await socket.ConnectAsync(new Uri($"ws://{endpoint}{path}"), cts.Token);
        return new WebSocketLineClient(socket) { Binary = socket.SubProtocol == "binary.ircv3.net" };
    }

    /// <summary>A client over a socket connected by the test itself.</summary>
    public static WebSocketLineClient Wrap(ClientWebSocket socket) => new(socket) { Binary = socket.SubProtocol == "binary.ircv3.net" };

    public override Task SendAsync(string line)
        => SendRawAsync(Encoding.UTF8.GetBytes(line), Binary ? WebSocketMessageType.Binary : WebSocketMessageType.Text);

    public async Task SendRawAsync(byte[] payload, WebSocketMessageType type)
    {
        using var cts = new CancellationTokenSource(TestClient.DefaultTimeout);
        await Socket.SendAsync(payload, type, endOfMessage: true, cts.Token);
    }

    protected override async Task<byte[]?> ReceiveLineAsync(CancellationToken cancellationToken)
    {
        var length = 0;
        while (true)
        {
            WebSocketReceiveResult result;
            try
            {
                result = await Socket.ReceiveAsync(new ArraySegment<byte>(_buffer, length, _buffer.Length - length), cancellationToken);
            }
            catch (WebSocketException)
            {
                return null;
            }
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }
            LastType = result.MessageType;
            length += result.Count;
            if (result.EndOfMessage)
            {
                return _buffer.AsSpan(0, length).ToArray();
            }
        }
    }

    public override async ValueTask DisposeAsync()
    {
        if (Socket.State == WebSocketState.Open)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                await Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", cts.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
            }
        }
        Socket.Dispose();
    }
}
