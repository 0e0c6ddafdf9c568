using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;

namespace Parley.Client.Tests;

/// <summary>
/// A TCP server on 127.0.0.1 whose every accepted connection is handed to the test as a
/// <see cref="ScriptedConnection"/>: the test reads what the client sent and writes the replies.
/// </summary>
public sealed class ScriptedServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Channel<ScriptedConnection> _accepted = Channel.CreateUnbounded<ScriptedConnection>();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public ScriptedServer()
    {
        _listener.Start();
        _loop = AcceptLoopAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public async Task<ScriptedConnection> AcceptAsync()
    {
        using var cts = new CancellationTokenSource(Infrastructure.Events.Timeout);
        return await _accepted.Reader.ReadAsync(cts.Token);
    }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptSocketAsync(_stop.Token);
                await _accepted.Writer.WriteAsync(new ScriptedConnection(socket));
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (SocketException)
        {
        }
        catch (InvalidOperationException) when (_stop.IsCancellationRequested)
        {
            // Stopped between two accepts: the listener is already closed.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _loop;
        _stop.Dispose();
    }
}

/// <summary>One client connection on the scripted server.</summary>
public sealed class ScriptedConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly StreamReader _reader;
    private readonly Stream _stream;

    public ScriptedConnection(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = new StreamReader(_stream, Encoding.UTF8);
    }

    /// <summary>The next line the client sent.</summary>
    public async Task<string> ReadAsync()
    {
        using var cts = new CancellationTokenSource(Infrastructure.Events.Timeout);
        return await _reader.ReadLineAsync(cts.Token) ?? throw new IOException("client closed");
    }

    /// <summary>Reads lines until one starts with <paramref name="prefix"/>.</summary>
    public async Task<string> ExpectAsync(string prefix)
    {
        while (true)
        {
            var line = await ReadAsync();
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return line;
            }
        }
    }

    public async Task SendAsync(params string[] lines)
    {
        foreach (var line in lines)
        {
            await _stream.WriteAsync(Encoding.UTF8.GetBytes(line + "\r\n"));
        }
        await _stream.FlushAsync();
    }

    /// <summary>Sends <paramref name="text"/> one byte per write: the client must put lines together from short reads.</summary>
    public async Task SendInPiecesAsync(string text)
    {
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            await _stream.WriteAsync(new[] { b });
            await _stream.FlushAsync();
        }
    }

    /// <summary>A plain registration without CAP: answers CAP LS with 421, then welcomes the nick.</summary>
    public async Task WelcomeAsync(string nick)
    {
        await ExpectAsync("CAP LS");
        await SendAsync($":scripted 421 * CAP :Unknown command");
        await ExpectAsync("USER");
        await SendAsync($":scripted 001 {nick} :Welcome", $":scripted 005 {nick} CHANTYPES=# CASEMAPPING=ascii :are supported");
    }

    public void Drop() => _socket.Close();

    public async ValueTask DisposeAsync()
    {
        _reader.Dispose();
        await _stream.DisposeAsync();
    }
}
