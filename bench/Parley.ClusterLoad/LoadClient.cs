using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Parley.ClusterLoad;

/// <summary>What a run hears from its clients. Called on the clients' receive loops: must not block.</summary>
internal interface IClientOwner
{
    /// <summary>A PRIVMSG's text; <paramref name="receivedTicks"/> is when the read that held it completed.</summary>
    void OnPrivmsg(LoadClient client, ReadOnlySpan<byte> text, long receivedTicks);

    /// <summary>Every whole line of one read was handled (lets the owner send once per read, not per line).</summary>
    void OnReadDone(LoadClient client);

    /// <summary>The connection ended without the run asking for it.</summary>
    void OnLost(LoadClient client, string reason);
}

/// <summary>
/// One IRC connection to one node: a receive loop that classifies lines on spans (no allocation
/// per line), and a send path that coalesces: bytes queued while a send is in flight go out in the
/// next one. Registration (001) and the channel join (366) are tasks the run awaits with a bound.
/// Threading: <see cref="Send"/> from any thread; everything else on the receive loop.
/// </summary>
internal sealed class LoadClient(int index, int port, string nick, IClientOwner owner)
{
    /// <summary>Room for many coalesced lines per read; a line longer than this is dropped.</summary>
    private const int ReceiveBufferBytes = 64 * 1024;

    private readonly Lock _sendGate = new();
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
    private byte[] _pending = new byte[4096];
    private byte[] _writing = new byte[4096];
    private int _pendingLength;
    private bool _sending;
    private int _closed;
    private volatile bool _leaving;
    private string? _lastError;

    public int Index => index;

    public int Port => port;

    public string Nick => nick;

    /// <summary>PRIVMSG lines received (written by the receive loop only).</summary>
    public long Privmsgs;

    /// <summary>Completes with null at 001, else with why registration failed.</summary>
    public TaskCompletionSource<string?> Registered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes with null at the channel's 366 (end of NAMES), else with why the JOIN failed.</summary>
    public TaskCompletionSource<string?> Joined { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the connection is over (whoever ended it).</summary>
    public TaskCompletionSource Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Numeric errors to a PRIVMSG (404 and the like): a message that was not sent.</summary>
    public long SendRefusals;

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _socket.ConnectAsync(new IPEndPoint(IPAddress.Parse(LoadOptions.Host), port), cancellationToken);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            Close("connect: " + Describe(ex), lost: false);
            return;
        }
        _ = ReceiveLoopAsync();
        Send(Encoding.ASCII.GetBytes($"NICK {nick}\r\nUSER cl 0 * :parley-clusterload\r\n"));
    }

    public void Join(string channel) => Send(Encoding.ASCII.GetBytes($"JOIN {channel}\r\n"));

    /// <summary>Says QUIT and waits (bounded) for the server to close; closes anyway after.</summary>
    public async Task LeaveAsync(TimeSpan bound)
    {
        _leaving = true;
        Send("QUIT :parley-clusterload done\r\n"u8);
        await Task.WhenAny(Closed.Task, Task.Delay(bound));
        Close("left", lost: false);
    }

    public void Send(ReadOnlySpan<byte> bytes)
    {
        lock (_sendGate)
        {
            if (IsClosed)
            {
                return;
            }
            if (_pendingLength + bytes.Length > _pending.Length)
            {
                Array.Resize(ref _pending, Math.Max(_pending.Length * 2, _pendingLength + bytes.Length));
            }
            bytes.CopyTo(_pending.AsSpan(_pendingLength));
            _pendingLength += bytes.Length;
            if (_sending)
            {
                return;
            }
            _sending = true;
        }
        _ = SendLoopAsync();
    }

    private async Task SendLoopAsync()
    {
        try
        {
            while (true)
            {
                int length;
                lock (_sendGate)
                {
                    if (_pendingLength == 0 || IsClosed)
                    {
                        _sending = false;
                        return;
                    }
                    (_writing, _pending) = (_pending, _writing);
                    length = _pendingLength;
                    _pendingLength = 0;
                }
                var offset = 0;
                while (offset < length)
                {
                    offset += await _socket.SendAsync(_writing.AsMemory(offset, length - offset), SocketFlags.None);
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            lock (_sendGate)
            {
                _sending = false;
            }
            Close("send: " + Describe(ex), lost: true);
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[ReceiveBufferBytes];
        var filled = 0;
        try
        {
            while (!IsClosed)
            {
                var n = await _socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None);
                if (n == 0)
                {
                    Close(_lastError is null ? "closed by the server" : "closed by the server: " + _lastError, lost: true);
                    return;
                }
                var ticks = Stopwatch.GetTimestamp();
                filled += n;
                var consumed = HandleLines(buffer.AsSpan(0, filled), ticks);
                owner.OnReadDone(this);
                if (consumed > 0)
                {
                    buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
                    filled -= consumed;
                }
                else if (filled == buffer.Length)
                {
                    filled = 0;
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            Close("receive: " + Describe(ex), lost: true);
        }
    }

    /// <summary>Handles every whole line; returns the bytes consumed.</summary>
    private int HandleLines(ReadOnlySpan<byte> data, long ticks)
    {
        var consumed = 0;
        while (true)
        {
            var nl = data[consumed..].IndexOf((byte)'\n');
            if (nl < 0)
            {
                return consumed;
            }
            var line = data.Slice(consumed, nl);
            consumed += nl + 1;
            if (line.Length > 0 && line[^1] == (byte)'\r')
            {
                line = line[..^1];
            }
            if (line.Length > 0)
            {
                HandleLine(line, ticks);
            }
        }
    }

    private void HandleLine(ReadOnlySpan<byte> line, long ticks)
    {
        switch (IrcLine.Classify(line, out var numeric, out var rest))
        {
            case LineKind.Privmsg:
                Privmsgs++;
                owner.OnPrivmsg(this, rest, ticks);
                break;
            case LineKind.Ping:
                {
                    var pong = new byte[rest.Length + 7];
                    "PONG "u8.CopyTo(pong);
                    rest.CopyTo(pong.AsSpan(5));
                    "\r\n"u8.CopyTo(pong.AsSpan(5 + rest.Length));
                    Send(pong);
                    break;
                }
            case LineKind.Error:
                _lastError = Encoding.UTF8.GetString(rest[..Math.Min(rest.Length, 200)]).TrimStart(':');
                break;
            case LineKind.Numeric:
                HandleNumeric(numeric, line);
                break;
        }
    }

    private void HandleNumeric(int numeric, ReadOnlySpan<byte> line)
    {
        switch (numeric)
        {
            case 1:
                Registered.TrySetResult(null);
                break;
            case 366:
                Joined.TrySetResult(null);
                break;
            case 432 or 433 or 436 or 465:
                Registered.TrySetResult(Encoding.UTF8.GetString(line));
                break;
            case 403 or 405 or 471 or 473 or 474 or 475 or 477:
                Joined.TrySetResult(Encoding.UTF8.GetString(line));
                break;
            case 404 or 401 or 412:
                Interlocked.Increment(ref SendRefusals);
                break;
        }
    }

    public void Close(string reason, bool lost)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }
        _socket.Dispose();
        Registered.TrySetResult(reason);
        Joined.TrySetResult(reason);
        Closed.TrySetResult();
        if (lost && !_leaving)
        {
            owner.OnLost(this, reason);
        }
    }

    private static string Describe(Exception ex) => ex is SocketException se ? se.SocketErrorCode.ToString() : ex.GetType().Name;
}
