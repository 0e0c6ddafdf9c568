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
public sealed class TestClient : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly PipeWriter _output;
    private readonly PipeReader _input;
    private readonly Queue<IrcMessage> _pending = new();
    private int _syncCounter;

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
    public async Task SendAsync(string line)
    {
        await _output.WriteAsync(Encoding.UTF8.GetBytes(line + "\r\n"));
    }

    /// <summary>Sends raw bytes as they are.</summary>
    public async Task SendRawAsync(byte[] bytes) => await _output.WriteAsync(bytes);

    /// <summary>The next message from the server.</summary>
    public async Task<IrcMessage> ReadAsync(TimeSpan? timeout = null)
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

    /// <summary>Reads until a message with this verb (or numeric) arrives; returns it.</summary>
    public Task<IrcMessage> ExpectAsync(string command, TimeSpan? timeout = null)
        => ExpectAsync(m => m.Command == command, timeout);

    /// <summary>Reads until a message matches; the ones before it are skipped.</summary>
    public async Task<IrcMessage> ExpectAsync(Func<IrcMessage, bool> match, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException("The expected message did not arrive in time.");
            }
            var m = await ReadAsync(left);
            if (match(m))
            {
                return m;
            }
        }
    }

    /// <summary>
    /// Everything the server sends until it has handled all we sent: a PING with a fresh token
    /// goes out and messages are collected until its PONG (which is not returned).
    /// </summary>
    public async Task<List<IrcMessage>> SyncAsync(TimeSpan? timeout = null)
    {
        var token = "sync" + Interlocked.Increment(ref _syncCounter);
        await SendAsync("PING " + token);
        var list = new List<IrcMessage>();
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException("No PONG in time.");
            }
            var m = await ReadAsync(left);
            if (m.Command == "PONG" && m.Parameters.Count > 1 && m.Parameters[^1] == token)
            {
                return list;
            }
            list.Add(m);
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

    /// <summary>Waits until the server closes the connection; returns what it sent meanwhile.</summary>
    public async Task<List<IrcMessage>> ReadUntilClosedAsync(TimeSpan? timeout = null)
    {
        var list = new List<IrcMessage>();
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        try
        {
            while (true)
            {
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero)
                {
                    throw new TimeoutException("The server did not close the connection in time.");
                }
                list.Add(await ReadAsync(left));
            }
        }
        catch (EndOfStreamException)
        {
            return list;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _output.CompleteAsync();
    }
}
