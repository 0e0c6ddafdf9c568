using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Parley.Client.Dcc;

// The standing listener (issue 4 item 4): one listener, opened at login and published under
// the metadata key parley/dcc, where Parley peers connect without a DCC offer. Anyone can
// reach a published port, so a peer proves who it is with the server as the authority:
//
//   1. the connecting side A picks two secrets, key and proof (128 bits each), and sends them
//      to the listener's owner B through the server: PRIVMSG B :\x01PARLEY-DCC <key> <proof>\x01
//      (the server vouches that it came from A's nick);
//   2. A connects to B's endpoint and sends the first line "PARLEY-DCC <A's nick> <key>";
//   3. B accepts only a key it got from that nick through the server, within GrantLifetime,
//      once (a key another nick sent, or not the one that nick sent, is refused at once),
//      and answers "PARLEY-DCC <proof>": A then knows it reached the B that got its
//      CTCP, not whoever holds that port now. A refusal is "PARLEY-DCC ERROR <reason>" and
//      the connection is closed. After that the connection is a plain DCC CHAT (lines).
//
// The line may reach B before the CTCP (two paths, no order between them): B waits for it,
// up to HandshakeTimeout. Bounded: at most MaxPendingConnections connections wait for their
// handshake (more are closed at once), each at most HandshakeTimeout; at most MaxGrants
// tokens are kept, one per nick, each for GrantLifetime.
public sealed partial class DirectChats
{
    /// <summary>The CTCP command carrying the secrets, and the word that starts both handshake lines.</summary>
    public const string HandshakeCtcp = "PARLEY-DCC";

    /// <summary>Connections still in their handshake at once; more are closed on arrival.</summary>
    public const int MaxPendingConnections = 4;

    /// <summary>Tokens kept at once (one per nick); a new nick past this pushes out the oldest.</summary>
    public const int MaxGrants = 16;

    /// <summary>A handshake line is short: "PARLEY-DCC", a nick, 32 hex digits.</summary>
    private const int MaxHandshakeLineChars = 512;

    /// <summary>Hex digits of each secret (16 random bytes).</summary>
    private const int SecretChars = 32;

    private readonly Dictionary<string, Grant> _grants = new(StringComparer.OrdinalIgnoreCase);
    private TaskCompletionSource _grantArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Standing? _standing;
    private DateTimeOffset _lastRefusalReported = DateTimeOffset.MinValue;

    /// <summary>How long a connection to the standing listener may take to present a token the server relayed.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a token received through the server stays usable.</summary>
    public TimeSpan GrantLifetime { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Where the standing listener listens; null when there is none.</summary>
    public IPEndPoint? StandingEndPoint => Volatile.Read(ref _standing)?.EndPoint;

    /// <summary>Connections to the standing listener still in their handshake (for tests and diagnostics).</summary>
    public int PendingHandshakes => Volatile.Read(ref _standing) is { } s ? Volatile.Read(ref s.Pending) : 0;

    /// <summary>
    /// Opens the standing listener (closing one opened before) on <paramref name="address"/>
    /// (null: the local address of the server connection, so IPv6 or IPv4 as that is) and
    /// <paramref name="port"/> (0: an ephemeral one). An address that is not this machine's (a
    /// router's public one, with the port forwarded) is listened for on every local address
    /// instead. Returns where it listens.
    /// </summary>
    public IPEndPoint Listen(IPAddress? address = null, int port = 0)
    {
        address ??= Server is { } server ? OwnAddress(server) : IPAddress.Loopback;
        Socket socket;
        try
        {
            socket = Bind(address, port);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressNotAvailable && port != 0)
        {
            socket = Bind(address.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, port);
        }
        var standing = new Standing(socket);
        var previous = Interlocked.Exchange(ref _standing, standing);
        previous?.Stop();
        standing.Loop = Task.Run(() => AcceptLoopAsync(standing));
        return standing.EndPoint;

        static Socket Bind(IPAddress address, int port)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Bind(new IPEndPoint(address, port));
                socket.Listen(MaxPendingConnections * 4);
                return socket;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
    }

    /// <summary>Closes the standing listener and the connections still in their handshake, and forgets the tokens; open sessions stay.</summary>
    public void StopListening()
    {
        Interlocked.Exchange(ref _standing, null)?.Stop();
        lock (_gate)
        {
            _grants.Clear();
        }
    }

    /// <summary>
    /// Takes a token a peer sent through the server (<see cref="DirectChatTokenEvent"/>): its
    /// arguments are "key proof". Ignored when not listening or malformed.
    /// </summary>
    public void OnToken(string from, string arguments)
    {
        var parts = arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (Volatile.Read(ref _standing) is null || parts.Length != 2 || !IsSecret(parts[0]) || !IsSecret(parts[1]))
        {
            return;
        }
        var now = _time.GetUtcNow();
        TaskCompletionSource arrived;
        lock (_gate)
        {
            foreach (var stale in _grants.Where(g => g.Value.Expires <= now).Select(g => g.Key).ToList())
            {
                _grants.Remove(stale);
            }
            if (_grants.Count >= MaxGrants && !_grants.ContainsKey(from))
            {
                _grants.Remove(_grants.MinBy(g => g.Value.Expires).Key);
            }
            _grants[from] = new Grant(from, parts[0], parts[1], now + GrantLifetime);
            arrived = _grantArrived;
            _grantArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        arrived.TrySetResult();
    }

    /// <summary>
    /// Opens a direct chat with <paramref name="peer"/> through its standing listener at
    /// <paramref name="endpoint"/> (its published parley/dcc): sends the token through the
    /// server, connects, and checks the listener's proof. No listener is needed on our side.
    /// </summary>
    public async Task ConnectAsync(string peer, IPEndPoint endpoint, CancellationToken cancellationToken = default)
    {
        var server = Server ?? throw new InvalidOperationException("not connected to a server");
        if (IsOpen(peer))
        {
            throw new InvalidOperationException($"a direct chat with {peer} is already open");
        }
        var key = NewSecret();
        var proof = NewSecret();
        if (!await server.SendCtcpAsync(peer, HandshakeCtcp, key + " " + proof))
        {
            throw new IOException("not connected to the server");
        }
        var chat = await DccChat.ConnectAsync(peer, endpoint, TimeSpan.FromSeconds(10), cancellationToken);
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            // The listener may wait HandshakeTimeout for our CTCP; a little more for the answer to come back.
            using var timer = _time.CreateTimer(_ => cts.Cancel(), null, HandshakeTimeout + TimeSpan.FromSeconds(5), Timeout.InfiniteTimeSpan);
            await chat.SendAsync($"{HandshakeCtcp} {server.Nick} {key}", cts.Token);
            string? answer;
            try
            {
                answer = await chat.ReadLineAsync(cts.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"{endpoint} did not answer the handshake");
            }
            var refusal = HandshakeCtcp + " ERROR ";
            if (answer is null)
            {
                throw new IOException($"{endpoint} closed the connection without accepting it");
            }
            if (answer.StartsWith(refusal, StringComparison.Ordinal))
            {
                throw new IOException($"{endpoint} refused: {answer[refusal.Length..]}");
            }
            if (!SecretEquals(answer, HandshakeCtcp + " " + proof))
            {
                throw new IOException($"{endpoint} did not prove it is {peer}'s (a stale endpoint?)");
            }
        }
        catch
        {
            await chat.DisposeAsync();
            throw;
        }
        await OpenAsync(chat);
    }

    /// <summary>Reads a published endpoint, "address port" (IPv4 dotted or IPv6 text, port 1..65535).</summary>
    public static bool TryParseEndPoint(string? value, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPEndPoint? endpoint)
    {
        endpoint = null;
        var parts = value?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts is not { Length: 2 } || !IPAddress.TryParse(parts[0], out var address)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            return false;
        }
        endpoint = new IPEndPoint(address, port);
        return true;
    }

    /// <summary>The value published for an endpoint: "address port".</summary>
    public static string FormatEndPoint(IPEndPoint endpoint)
    {
        var address = endpoint.Address.IsIPv4MappedToIPv6 ? endpoint.Address.MapToIPv4() : endpoint.Address;
        return $"{address} {endpoint.Port.ToString(CultureInfo.InvariantCulture)}";
    }

    private async Task AcceptLoopAsync(Standing standing)
    {
        while (!standing.Stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await standing.Socket.AcceptAsync(standing.Stopping);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionAborted or SocketError.ConnectionReset)
            {
                continue; // that one connection gave up before we took it
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            if (Interlocked.Increment(ref standing.Pending) > MaxPendingConnections)
            {
                Interlocked.Decrement(ref standing.Pending);
                socket.Dispose();
                continue;
            }
            socket.NoDelay = true;
            _ = HandshakeAsync(standing, socket);
        }
    }

    /// <summary>The listener's side of one connection: the first line, the token through the server, the answer.</summary>
    private async Task HandshakeAsync(Standing standing, Socket socket)
    {
        var chat = DccChat.FromSocket("", socket);
        var claimed = "";
        var pending = true;
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(standing.Stopping);
            using var timer = _time.CreateTimer(_ => cts.Cancel(), null, HandshakeTimeout, Timeout.InfiniteTimeSpan);
            string? line;
            try
            {
                line = await chat.ReadLineAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                line = null;
            }
            var parts = line?.Split(' ');
            if (line is null || line.Length > MaxHandshakeLineChars || parts is not { Length: 3 } || parts[0] != HandshakeCtcp
                || parts[1].Length == 0 || !IsSecret(parts[2]))
            {
                // Not our protocol, or nothing in time (a peer that closed does not hear it).
                await RefuseAsync(chat, "", line is null ? $"no handshake within {HandshakeTimeout.TotalSeconds:0} s" : "not a Parley handshake");
                return;
            }
            claimed = parts[1];
            var (grant, refusal) = await WaitForGrantAsync(claimed, parts[2], cts.Token);
            if (grant is null)
            {
                await RefuseAsync(chat, claimed, refusal);
                return;
            }
            await chat.SendAsync($"{HandshakeCtcp} {grant.Proof}", cts.Token);
            chat.Peer = grant.Nick;
            Interlocked.Decrement(ref standing.Pending);
            pending = false;
            await OpenAsync(chat);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException or OperationCanceledException)
        {
            await chat.DisposeAsync();
        }
        finally
        {
            if (pending)
            {
                Interlocked.Decrement(ref standing.Pending);
            }
        }
    }

    private async Task RefuseAsync(DccChat chat, string claimed, string reason)
    {
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2)))
        {
            try
            {
                await chat.SendAsync($"{HandshakeCtcp} ERROR {reason}", cts.Token);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException or OperationCanceledException)
            {
                // Closing anyway.
            }
        }
        var remote = chat.RemoteEndPoint;
        await chat.DisposeAsync();
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            if (now - _lastRefusalReported < TimeSpan.FromSeconds(1))
            {
                return;
            }
            _lastRefusalReported = now;
        }
        await _sink(new DirectRefusedEvent(now, claimed, remote, reason));
    }

    /// <summary>
    /// The token <paramref name="nick"/> sent through the server with this key, taken (once);
    /// or null and why not: none came in time, <paramref name="nick"/>'s token has another key
    /// (kept for the real connection), or the key is another nick's (a forged nick: that token
    /// is spent).
    /// </summary>
    private async Task<(Grant? Grant, string Refusal)> WaitForGrantAsync(string nick, string key, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task arrived;
            lock (_gate)
            {
                var now = _time.GetUtcNow();
                if (_grants.TryGetValue(nick, out var grant) && grant.Expires > now)
                {
                    if (!SecretEquals(grant.Key, key))
                    {
                        return (null, $"not the token {nick} sent through the server");
                    }
                    _grants.Remove(nick);
                    return (grant, "");
                }
                foreach (var other in _grants.Values)
                {
                    if (other.Expires > now && SecretEquals(other.Key, key))
                    {
                        _grants.Remove(other.Nick);
                        return (null, $"that token came from {other.Nick}, not from {nick}");
                    }
                }
                arrived = _grantArrived.Task;
            }
            try
            {
                await arrived.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return (null, $"no token from {nick} through the server within {HandshakeTimeout.TotalSeconds:0} s");
            }
        }
    }

    private static string NewSecret() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(SecretChars / 2));

    private static bool IsSecret(string text) => text.Length == SecretChars && text.All(char.IsAsciiHexDigitLower);

    /// <summary>Compares in constant time, so the answer's timing tells nothing about how much of a guess was right.</summary>
    private static bool SecretEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));

    /// <summary>A token a nick sent through the server: its key opens one connection, its proof answers it.</summary>
    private sealed record Grant(string Nick, string Key, string Proof, DateTimeOffset Expires);

    private sealed class Standing(Socket socket)
    {
        private readonly CancellationTokenSource _stopping = new();

        public Socket Socket { get; } = socket;
        public IPEndPoint EndPoint { get; } = (IPEndPoint)socket.LocalEndPoint!;
        public CancellationToken Stopping => _stopping.Token;
        public Task Loop { get; set; } = Task.CompletedTask;

        /// <summary>Connections in their handshake; changed with Interlocked.</summary>
        public int Pending;

        public void Stop()
        {
            _stopping.Cancel();
            Socket.Dispose();
        }
    }
}
