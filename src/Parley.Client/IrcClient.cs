using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Threading.Channels;
using Parley.Protocol;

namespace Parley.Client;

/// <summary>
/// An IRC client connection with reconnects: connect (every address in turn), register
/// (CAP 302, SASL SCRAM-SHA-256 or PLAIN, else PASS, else NickServ), answer PINGs, report
/// what happens as typed <see cref="Events"/>, and after a lost connection retry with
/// backoff (<see cref="ReconnectPolicy"/>), log in again, rejoin channels and fetch what was
/// missed (draft/chathistory, when the server offers it).
/// </summary>
/// <remarks>
/// Threading: one background task owns the connection's reading and reconnects; the
/// <c>Send…</c> methods and queries may be called from any thread. <see cref="Events"/> has one
/// reader; it is bounded, so a reader that stops reading stops the client reading the server
/// (backpressure, nothing dropped).
/// </remarks>
public sealed partial class IrcClient : IAsyncDisposable
{
    private readonly Channel<ClientEvent> _events;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private LineConnection? _connection;
    private Task? _loop;
    private bool _quitting;

    public IrcClient(IrcClientOptions options)
    {
        Options = options;
        Nick = options.Nick;
        _events = Channel.CreateBounded<ClientEvent>(new BoundedChannelOptions(options.EventCapacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public IrcClientOptions Options { get; }

    /// <summary>What happened, in order. Completed when the client stops for good.</summary>
    public ChannelReader<ClientEvent> Events => _events.Reader;

    /// <summary>The current nick (the server may change it).</summary>
    public string Nick { get; private set; }

    /// <summary>The account logged in to, or null.</summary>
    public string? Account { get; private set; }

    /// <summary>True between registration and the loss of the connection.</summary>
    public bool IsConnected => Volatile.Read(ref _connection) is not null && _registered;

    /// <summary>The local end of the current connection (DCC offers use its address).</summary>
    public IPEndPoint? LocalEndPoint { get; private set; }

    /// <summary>The capabilities the server acknowledged.</summary>
    public IReadOnlyCollection<string> EnabledCaps
    {
        get { lock (_gate) { return [.. _caps]; } }
    }

    /// <summary>Connects and registers once; on success keeps the connection (and reconnects) in the background.</summary>
    public async Task<LoginResult> StartAsync(CancellationToken cancellationToken = default)
    {
        if (_loop is not null)
        {
            throw new InvalidOperationException("The client was already started.");
        }
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
        var (result, connection) = await ConnectOnceAsync(linked.Token);
        if (!result.Success || connection is null)
        {
            _events.Writer.TryComplete();
            return result;
        }
        _loop = Task.Run(() => RunAsync(connection, _stop.Token), CancellationToken.None);
        return result;
    }

    /// <summary>Sends QUIT, closes the connection and stops reconnecting; the events end.</summary>
    public async Task QuitAsync(string? reason = null)
    {
        _quitting = true;
        var connection = Volatile.Read(ref _connection);
        if (connection is not null)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await connection.WriteAsync(reason is null ? new IrcMessage("QUIT") : new IrcMessage("QUIT", reason), timeout.Token);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
            {
                // Leaving anyway.
            }
        }
        await StopAsync();
    }

    /// <summary>Closes without QUIT (as a network loss would, but with no reconnect).</summary>
    public async Task StopAsync()
    {
        _quitting = true;
        await _stop.CancelAsync();
        var connection = Interlocked.Exchange(ref _connection, null);
        if (connection is not null)
        {
            await connection.DisposeAsync();
        }
        if (_loop is not null)
        {
            try
            {
                await _loop;
            }
            catch (OperationCanceledException)
            {
            }
        }
        _events.Writer.TryComplete();
    }

    /// <summary>Drops the connection as if the network had: the client reconnects (tests, and a user's /reconnect).</summary>
    public async Task DropConnectionAsync()
    {
        var connection = Volatile.Read(ref _connection);
        if (connection is not null)
        {
            await connection.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }

    /// <summary>Sends a raw message; false when not connected.</summary>
    public async ValueTask<bool> SendAsync(IrcMessage message, CancellationToken cancellationToken = default)
    {
        var connection = Volatile.Read(ref _connection);
        if (connection is null)
        {
            return false;
        }
        try
        {
            await connection.WriteAsync(message, cancellationToken);
            return true;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            return false;
        }
    }

    public ValueTask<bool> SendAsync(string command, params string[] parameters) => SendAsync(new IrcMessage(command, parameters));

    /// <summary>
    /// PRIVMSG, split into several when the relayed line would pass 512 bytes; the target is
    /// remembered so history can be fetched for it after a reconnect.
    /// </summary>
    public async ValueTask<bool> SendMessageAsync(string target, string text)
    {
        Remember(target);
        foreach (var part in SplitMessage(text, MessageBudget(Nick, target)))
        {
            if (!await SendAsync(new IrcMessage("PRIVMSG", target, part)))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Bytes of text that fit in one relayed PRIVMSG: 512 less CRLF, the source the server
    /// adds (":nick!user@host ", user and host taken at their usual maximums, 18 and 64),
    /// "PRIVMSG ", the target and " :".
    /// </summary>
    internal static int MessageBudget(string nick, string target)
    {
        var overhead = 2 + (1 + System.Text.Encoding.UTF8.GetByteCount(nick) + 1 + 18 + 1 + 64 + 1) + 8
            + System.Text.Encoding.UTF8.GetByteCount(target) + 2;
        return Math.Max(64, IrcLimits.MaxLineBytes - overhead);
    }

    /// <summary>Cuts text into pieces of at most <paramref name="maxBytes"/> UTF-8 bytes, after a space when one is near the end, never inside a character.</summary>
    internal static IEnumerable<string> SplitMessage(string text, int maxBytes)
    {
        var start = 0;
        while (System.Text.Encoding.UTF8.GetByteCount(text.AsSpan(start)) > maxBytes)
        {
            var bytes = 0;
            var end = start;
            while (end < text.Length)
            {
                var rune = System.Text.Rune.GetRuneAt(text, end);
                if (bytes + rune.Utf8SequenceLength > maxBytes)
                {
                    break;
                }
                bytes += rune.Utf8SequenceLength;
                end += rune.Utf16SequenceLength;
            }
            var space = text.LastIndexOf(' ', end - 1, end - start);
            if (space > start + (end - start) / 2)
            {
                end = space + 1;
            }
            yield return text[start..end];
            start = end;
        }
        yield return text[start..];
    }

    /// <summary>A CTCP request (PRIVMSG) such as DCC or ACTION.</summary>
    public ValueTask<bool> SendCtcpAsync(string target, string command, string? arguments = null) =>
        SendAsync(new IrcMessage("PRIVMSG", target, Ctcp.Format(command, arguments)));

    /// <summary>True when the server acknowledged <paramref name="cap"/>.</summary>
    public bool HasCap(string cap)
    {
        lock (_gate)
        {
            return _caps.Contains(cap);
        }
    }

    /// <summary>The server's casemapping (ISUPPORT CASEMAPPING; rfc1459 by default).</summary>
    public CaseMapping CaseMapping { get; private set; } = CaseMapping.Rfc1459;

    /// <summary>Whether <paramref name="target"/> names a channel (ISUPPORT CHANTYPES).</summary>
    public bool IsChannel(string target) => target.Length > 0 && _chanTypes.Contains(target[0], StringComparison.Ordinal);

    private async Task RunAsync(LineConnection connection, CancellationToken cancellationToken)
    {
        var current = connection;
        while (true)
        {
            var reason = await ReadLoopAsync(current, cancellationToken);
            Interlocked.CompareExchange(ref _connection, null, current);
            _registered = false;
            await current.DisposeAsync();
            if (_quitting || cancellationToken.IsCancellationRequested)
            {
                await EmitAsync(new DisconnectedEvent(Now, reason, WillReconnect: false), CancellationToken.None);
                break;
            }
            var retry = Options.Reconnect.Enabled;
            await EmitAsync(new DisconnectedEvent(Now, reason, retry), cancellationToken);
            if (!retry)
            {
                break;
            }
            var next = await ReconnectAsync(cancellationToken);
            if (next is null)
            {
                break;
            }
            current = next;
        }
        _events.Writer.TryComplete();
    }

    /// <summary>Backs off and retries until connected, given up, or stopped; null unless connected.</summary>
    private async Task<LineConnection?> ReconnectAsync(CancellationToken cancellationToken)
    {
        var policy = Options.Reconnect;
        for (var attempt = 1; attempt <= policy.MaxAttempts; attempt++)
        {
            double random;
            lock (Options.Random)
            {
                random = Options.Random.NextDouble();
            }
            var delay = policy.Delay(attempt, random);
            try
            {
                // The timer starts before the event is reported, so whoever sees the event
                // (a test advancing a fake clock) knows the wait is already running.
                var wait = Task.Delay(delay, Options.Time, cancellationToken);
                await EmitAsync(new ReconnectingEvent(Now, attempt, delay), cancellationToken);
                await wait;
                var (result, connection) = await ConnectOnceAsync(cancellationToken);
                if (connection is not null)
                {
                    await AfterReconnectAsync(cancellationToken);
                    return connection;
                }
                if (result.Error is not null && _authFailed)
                {
                    // Wrong credentials do not get better by retrying.
                    await EmitAsync(new DisconnectedEvent(Now, result.Error, WillReconnect: false), cancellationToken);
                    return null;
                }
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }
        await EmitAsync(new DisconnectedEvent(Now, $"gave up after {policy.MaxAttempts} attempts", WillReconnect: false), CancellationToken.None);
        return null;
    }

    /// <summary>One connect and registration; emits Connected or ConnectFailed.</summary>
    private async Task<(LoginResult Result, LineConnection? Connection)> ConnectOnceAsync(CancellationToken cancellationToken)
    {
        _authFailed = false;
        Stream stream;
        EndPoint? remote = null;
        try
        {
            if (Options.Connect is not null)
            {
                stream = await Options.Connect(cancellationToken);
                LocalEndPoint = null;
            }
            else
            {
                var socket = await AddressConnector.ConnectAsync(Options.Host, Options.Port, cancellationToken: cancellationToken);
                remote = socket.RemoteEndPoint;
                LocalEndPoint = socket.LocalEndPoint as IPEndPoint;
                stream = new NetworkStream(socket, ownsSocket: true);
                if (Options.Tls)
                {
                    stream = await StartTlsAsync(stream, cancellationToken);
                }
            }
        }
        catch (ConnectFailedException e)
        {
            await EmitAsync(new ConnectFailedEvent(Now, e.Message, e.Attempts), cancellationToken);
            return (new LoginResult(false, Options.Nick, null, e.Message), null);
        }
        catch (Exception e) when (e is IOException or SocketException or System.Security.Authentication.AuthenticationException)
        {
            await EmitAsync(new ConnectFailedEvent(Now, e.Message, []), cancellationToken);
            return (new LoginResult(false, Options.Nick, null, e.Message), null);
        }

        var connection = new LineConnection(stream);
        LoginResult result;
        _sentPass = false;
        try
        {
            result = await RegisterAsync(connection, cancellationToken);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or TimeoutException)
        {
            result = new LoginResult(false, Options.Nick, null, e.Message);
        }
        if (!result.Success && _sentPass && !_authFailed && !_skipPass)
        {
            // PASS account:password closed the door (ngIRCd: "Bad server password"): once more without it.
            await connection.DisposeAsync();
            _skipPass = true;
            return await ConnectOnceAsync(cancellationToken);
        }
        if (!result.Success)
        {
            await connection.DisposeAsync();
            await EmitAsync(new ConnectFailedEvent(Now, result.Error ?? "registration failed", []), cancellationToken);
            return (result, null);
        }
        Volatile.Write(ref _connection, connection);
        await EmitAsync(new ConnectedEvent(Now, remote, Nick, Account, EnabledCaps), cancellationToken);
        return (result, connection);
    }

    private async Task<Stream> StartTlsAsync(Stream stream, CancellationToken cancellationToken)
    {
        var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
        var options = new SslClientAuthenticationOptions { TargetHost = Options.Host.Trim('[', ']') };
        if (Options.TlsTrustedCertificate is { } pinned)
        {
            // Pinning: a chain no CA vouches for is fine when the certificate is the one we were given.
            options.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                errors == SslPolicyErrors.None
                || (certificate is not null && certificate.GetRawCertData().AsSpan().SequenceEqual(pinned.RawData));
        }
        await ssl.AuthenticateAsClientAsync(options, cancellationToken);
        return ssl;
    }

    private DateTimeOffset Now => Options.Time.GetUtcNow();

    private ValueTask EmitAsync(ClientEvent e, CancellationToken cancellationToken)
    {
        if (_events.Writer.TryWrite(e))
        {
            return ValueTask.CompletedTask;
        }
        return EmitSlowAsync(e, cancellationToken);
    }

    private async ValueTask EmitSlowAsync(ClientEvent e, CancellationToken cancellationToken)
    {
        try
        {
            await _events.Writer.WriteAsync(e, cancellationToken);
        }
        catch (ChannelClosedException)
        {
            // Stopped: nobody listens any more.
        }
    }
}
