using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Parley.Protocol;
using Parley.Server.Sessions;

namespace Parley.Server.Tests.Infrastructure;

/// <summary>
/// The client end of an in-memory connection: send lines, read parsed messages. Every read
/// has a timeout, so a missing reply fails the test instead of hanging it.
/// </summary>
public sealed class TestClient : IrcTestReader
{
    private readonly PipeWriter _output;
    private readonly PipeReader _input;
    private readonly Queue<IrcMessage> _pending = new();

    internal TestClient(PipeWriter output, PipeReader input, Session session)
    {
        _output = output;
        _input = input;
        Session = session;
    }

    /// <summary>The server-side session (for assertions on state).</summary>
    public Session Session { get; }

    public string Nick { get; private set; } = "*";

    /// <summary>Sends one line; CRLF is added.</summary>
    public override async Task SendAsync(string line)
    {
        await _output.WriteAsync(Encoding.UTF8.GetBytes(line + "\r\n"));
    }

    /// <summary>Sends raw bytes as they are.</summary>
    public async Task SendRawAsync(byte[] bytes) => await _output.WriteAsync(bytes);

    /// <summary>The next message from the server.</summary>
    public override async Task<IrcMessage> ReadAsync(TimeSpan? timeout = null)
    {
        if (_pending.Count > 0)
        {
            return _pending.Dequeue();
        }
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        while (true)
        {
            ReadResult result;
            try
            {
                result = await _input.ReadAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException("No message from the server in time.");
            }
            var buffer = result.Buffer;
            var framer = new LineFramer(64 * 1024);
            var got = false;
            while (framer.TryReadLine(ref buffer, out var line) == FrameResult.Line)
            {
                _pending.Enqueue(IrcParser.Parse(Encoding.UTF8.GetString(line.ToArray())));
                got = true;
            }
            _input.AdvanceTo(buffer.Start, buffer.End);
            if (got)
            {
                return _pending.Dequeue();
            }
            if (result.IsCompleted)
            {
                throw new EndOfStreamException("The server closed the connection.");
            }
        }
    }

    /// <summary>Registers with CAP negotiation when caps are given; returns after the welcome burst.</summary>
    public async Task RegisterAsync(string nick, params string[] caps)
    {
        if (caps.Length > 0)
        {
            await SendAsync("CAP LS 302");
            await SendAsync("CAP REQ :" + string.Join(' ', caps));
        }
        await SendAsync("NICK " + nick);
        await SendAsync($"USER {nick} 0 * :{nick} real");
        if (caps.Length > 0)
        {
            await SendAsync("CAP END");
        }
        await ExpectAsync(m => m.Command is Numerics.RPL_ENDOFMOTD or Numerics.ERR_NOMOTD);
        Nick = nick;
    }

    public override async ValueTask DisposeAsync()
    {
        await _output.CompleteAsync();
    }
}
