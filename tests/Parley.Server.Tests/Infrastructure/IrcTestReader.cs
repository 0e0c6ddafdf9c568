using Parley.Protocol;

namespace Parley.Server.Tests.Infrastructure;

/// <summary>
/// What every test client does on top of reading one message and sending one line: wait for a
/// message, the PING barrier, read until the server closes. Each has a deadline, so a missing
/// reply fails the test instead of hanging it. <see cref="TestClient"/> (in memory) and the
/// loopback clients of the web tests share it.
/// </summary>
public abstract class IrcTestReader : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private int _syncCounter;

    /// <summary>Sends one line (the transport adds what it needs).</summary>
    public abstract Task SendAsync(string line);

    /// <summary>The next message from the server; TimeoutException or EndOfStreamException otherwise.</summary>
    public abstract Task<IrcMessage> ReadAsync(TimeSpan? timeout = null);

    public abstract ValueTask DisposeAsync();

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
}
