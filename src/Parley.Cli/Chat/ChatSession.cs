using System.Globalization;
using System.Net;
using Parley.Client;
using Parley.Client.Dcc;
using Parley.Protocol;

namespace Parley.Cli.Chat;

/// <summary>
/// The commands of <c>parley chat</c> (issue 5) over <see cref="IrcClient"/> and
/// <see cref="DirectChats"/>, independent of how the screen looks: every result and event
/// becomes a line for the <see cref="IChatView"/>.
/// </summary>
/// <remarks>
/// Threading: commands run one at a time (the input loop awaits each); events arrive on the
/// client's pump task and the direct sessions' loops. Shared state is under <c>_gate</c>.
/// </remarks>
internal sealed partial class ChatSession : IAsyncDisposable
{
    /// <summary>Received messages kept for /show; the oldest go first.</summary>
    private const int InboxLimit = 1000;

    private readonly ChatOptions _options;
    private readonly IChatView _view;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly List<InboxEntry> _inbox = [];
    private readonly HashSet<string> _knownNicks = new(StringComparer.OrdinalIgnoreCase);
    private readonly DirectChats _direct;
    private volatile IrcClient? _client;
    private System.Security.Cryptography.X509Certificates.X509Certificate2? _trusted;
    private Task? _pump;

    /// <summary>The standing listener wanted for this login (null: opted out). Under <c>_gate</c>.</summary>
    private EndpointWish? _endpoint;

    /// <summary>The parley/dcc value published for this login, cleared again at /logout. Under <c>_gate</c>.</summary>
    private string? _published;

    public ChatSession(ChatOptions options, IChatView view, TimeProvider? time = null)
    {
        _options = options;
        _view = view;
        _time = time ?? TimeProvider.System;
        _direct = new DirectChats(OnDirectEventAsync, _time);
    }

    /// <summary>Where plain text (no leading /) goes; the last conversation used.</summary>
    public string? Current { get; set; }

    /// <summary>Nicks seen, for completion.</summary>
    public IReadOnlyList<string> KnownNicks
    {
        get { lock (_gate) { return [.. _knownNicks.Order(StringComparer.OrdinalIgnoreCase)]; } }
    }

    public bool LoggedIn => _client is not null;

    /// <summary>With --nick: connect as a guest at start.</summary>
    public async Task StartAsync()
    {
        if (_options.Nick is { } nick)
        {
            await LoginAsync(nick, null, null, null, listen: !_options.NoListen);
        }
        else
        {
            Info($"not logged in: /login <nick> <password> to log in to {_options.Host} port {_options.Port}, /help for the commands");
        }
    }

    /// <summary>Runs one input line; false when the user asked to exit.</summary>
    public async Task<bool> ExecuteAsync(string input)
    {
        input = input.TrimEnd('\r', '\n');
        if (input.Length == 0)
        {
            return true;
        }
        if (!input.StartsWith('/') || input.StartsWith("//", StringComparison.Ordinal))
        {
            if (Current is null)
            {
                Error("not a command, and no conversation to send it to: /msg <nick|#channel> <text>, or /help");
                return true;
            }
            await SendMessageAsync(Current, input.StartsWith('/') ? input[1..] : input);
            return true;
        }
        var space = input.IndexOf(' ', StringComparison.Ordinal);
        var verb = (space < 0 ? input[1..] : input[1..space]).ToLowerInvariant();
        var rest = space < 0 ? "" : input[(space + 1)..].Trim();
        var args = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        try
        {
            switch (verb)
            {
                case "help" or "?":
                    Help(args.FirstOrDefault());
                    return true;
                case "login":
                    if (args.Length is not (2 or 3 or 4) || (args.Length == 3 && args[2] != "-"))
                    {
                        Usage("login");
                        return true;
                    }
                    await LoginAsync(args[0], args[1], args.Length == 4 ? args[2] : null, args.Length == 4 ? args[3] : null,
                        listen: args.Length != 3 && !_options.NoListen);
                    return true;
                case "lookup" or "whois":
                    await LookupAsync(args.FirstOrDefault());
                    return true;
                case "msg" or "query":
                    if (args.Length < 2)
                    {
                        Usage("msg");
                        return true;
                    }
                    await SendMessageAsync(args[0], rest[(rest.IndexOf(' ', StringComparison.Ordinal) + 1)..]);
                    return true;
                case "me":
                    await SendActionAsync(rest);
                    return true;
                case "show":
                    Show(args.FirstOrDefault());
                    return true;
                case "direct":
                    if (args.Length is < 1 or > 2)
                    {
                        Usage("direct");
                        return true;
                    }
                    Direct(args[0], args.Length == 2 && args[1].Equals("passive", StringComparison.OrdinalIgnoreCase));
                    return true;
                case "accept":
                    if (args.Length != 1)
                    {
                        Usage("accept");
                        return true;
                    }
                    Accept(args[0]);
                    return true;
                case "close":
                    if (args.Length != 1)
                    {
                        Usage("close");
                        return true;
                    }
                    var wasOpen = _direct.IsOpen(args[0]);
                    if (!await _direct.CloseAsync(args[0]))
                    {
                        Error($"no direct chat with {args[0]}");
                    }
                    else if (!wasOpen)
                    {
                        Info($"refused the direct chat offer from {args[0]}");
                    }
                    return true;
                case "join" or "part" or "names" or "topic" or "away" or "history":
                    await ChannelCommandAsync(verb, args, rest);
                    return true;
                case "switch" or "go":
                    if (args.Length != 1)
                    {
                        Usage("switch");
                        return true;
                    }
                    Current = args[0];
                    Info($"talking to {Current}");
                    return true;
                case "logout":
                    await LogoutAsync();
                    return true;
                case "exit" or "quit":
                    await LogoutAsync(quiet: true);
                    await _direct.DisposeAsync();
                    Info("bye");
                    return false;
                case "raw" or "quote":
                    if (RequireLogin() is { } c && rest.Length > 0)
                    {
                        await c.SendAsync(IrcParser.Parse(rest));
                    }
                    return true;
                default:
                    Error($"unknown command /{verb} (see /help)");
                    return true;
            }
        }
        catch (Exception e) when (e is IOException or TimeoutException or InvalidOperationException or ArgumentException
            or FormatException or System.Security.Cryptography.CryptographicException)
        {
            Error(e.Message);
            return true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await LogoutAsync(quiet: true);
        await _direct.DisposeAsync();
    }

    private async Task LoginAsync(string nick, string? password, string? ip, string? port, bool listen)
    {
        if (_client is { } existing)
        {
            Error($"already logged in as {existing.Nick}" + (existing.Account is { } a ? $" (account {a})" : "") + ": /logout first");
            return;
        }
        IPAddress? listenAddress = null;
        var listenPort = 0;
        if (ip is not null && (!IPAddress.TryParse(ip, out listenAddress)
            || !int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out listenPort) || listenPort is < 1 or > 65535))
        {
            Error("the direct-chat address must be an IP address and a port: /login <nick> <password> [<ip> <port> | -]");
            return;
        }
        var client = new IrcClient(new IrcClientOptions
        {
            Host = _options.Host,
            Port = _options.Port,
            Tls = _options.Tls,
            TlsTrustedCertificate = _trusted ??= _options.TlsCertificate is { } pem
                ? PemCertificate.Load(pem)
                : null,
            Nick = nick,
            Password = password,
            Time = _time,
        });
        Info($"connecting to {_options.Host} port {_options.Port}{(_options.Tls ? " (TLS)" : "")} as {nick}");
        // The pump runs during the login too: registration can bring more events (a long
        // MOTD before NickServ answers) than the client's bounded event queue holds.
        _firstConnectSeen = false;
        var pump = Task.Run(() => PumpAsync(client));
        var result = await client.StartAsync();
        if (!result.Success)
        {
            await pump; // the events end with a failed start: show them all first
            var hint = result.Error?.Contains("certificate", StringComparison.OrdinalIgnoreCase) == true && _options.TlsCertificate is null
                ? " (a self-signed server? parley chat --tls-cert FILE trusts its certificate)"
                : "";
            Error("login failed: " + result.Error + hint + "; still logged out");
            await client.DisposeAsync();
            return;
        }
        lock (_gate)
        {
            _client = client;
            _endpoint = listen ? new EndpointWish(listenAddress, listenPort) : null;
            _published = null;
        }
        _direct.Server = client;
        _direct.Accepting = true;
        var how = result.Account is { } account ? $"account {account}"
            : password is null ? "as a guest, no account"
            : "the server has no accounts: the password was not checked";
        Info($"logged in as {client.Nick} ({how})");
        _pump = pump;
        await PublishEndpointAsync(client, again: false);
    }

    private async Task LogoutAsync(bool quiet = false)
    {
        IrcClient? client;
        string? published;
        lock (_gate)
        {
            client = _client;
            published = _published;
            _client = null;
            _published = null;
        }
        _direct.Server = null;
        _direct.StopAccepting();
        if (client is null)
        {
            if (!quiet)
            {
                Error("not logged in");
            }
            return;
        }
        if (published is not null)
        {
            await UnpublishEndpointAsync(client, published);
        }
        await client.QuitAsync("logged out");
        if (_pump is not null)
        {
            await _pump;
        }
        await client.DisposeAsync();
        Info("logged out" + (_direct.OpenPeers.Count > 0 ? $"; direct chats still open with {string.Join(", ", _direct.OpenPeers)}" : ""));
    }

    /// <summary>
    /// Opens the standing listener (unless the user opted out) and publishes it under
    /// parley/dcc, so others' /lookup shows it and their /direct connects there (issue 4).
    /// Again after a reconnect: the server forgot the value with the connection, and the
    /// local address may have changed.
    /// </summary>
    private async Task PublishEndpointAsync(IrcClient client, bool again)
    {
        EndpointWish? wish;
        IPEndPoint? bound = null;
        string? failure = null;
        lock (_gate)
        {
            // Under the gate, so a /logout that has begun is never followed by a new listener.
            wish = _endpoint;
            if (wish is null || !ReferenceEquals(_client, client))
            {
                return;
            }
            if (!client.HasCap(IrcClient.MetadataCap))
            {
                // Nobody could learn where it is: offers (/direct, /accept) still work both ways.
                _direct.StopListening();
                failure = wish.Address is not null && !again
                    ? "this server has no metadata (draft/metadata-3): others' /lookup cannot show where you accept direct chats"
                    : "";
            }
            else
            {
                var own = client.LocalEndPoint?.Address is { } a && a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : client.LocalEndPoint?.Address;
                try
                {
                    bound = _direct.StandingEndPoint is { } current && (wish.Address is not null || own is null || current.Address.Equals(own))
                        ? current
                        : _direct.Listen(wish.Address, wish.Port);
                }
                catch (System.Net.Sockets.SocketException e)
                {
                    failure = $"cannot listen for direct chats at {wish.Address?.ToString() ?? own?.ToString()} port {wish.Port}: {e.Message}";
                }
            }
        }
        if (bound is null)
        {
            if (failure is { Length: > 0 })
            {
                Error(failure);
            }
            return;
        }
        var value = wish.Address is { } given ? $"{given} {wish.Port}" : DirectChats.FormatEndPoint(bound);
        bool published;
        try
        {
            published = await client.SetMetadataAsync(IrcClient.DirectChatKey, value);
        }
        catch (Exception e) when (e is TimeoutException or IOException or InvalidOperationException)
        {
            published = false;
        }
        if (!published)
        {
            Error("the server did not take the direct-chat endpoint: others' /lookup will not show it");
            return;
        }
        lock (_gate)
        {
            if (!ReferenceEquals(_client, client))
            {
                return;
            }
            _published = value;
        }
        Info(again ? $"direct chats: published again at {value}" : $"accepting direct chats at {value} (published: others' /lookup shows it)");
    }

    /// <summary>Clears parley/dcc at /logout, unless another connection of the same account published its own since.</summary>
    private static async Task UnpublishEndpointAsync(IrcClient client, string published)
    {
        try
        {
            if (await client.GetMetadataAsync("*", IrcClient.DirectChatKey) == published)
            {
                await client.SetMetadataAsync(IrcClient.DirectChatKey, null);
            }
        }
        catch (Exception e) when (e is TimeoutException or IOException or InvalidOperationException)
        {
            // Leaving anyway: the server forgets the value with the user.
        }
    }

    private IrcClient? RequireLogin()
    {
        if (_client is { } client)
        {
            return client;
        }
        Error("not logged in: /login <nick> <password>");
        return null;
    }

    private async Task LookupAsync(string? nick)
    {
        if (RequireLogin() is not { } client)
        {
            return;
        }
        if (nick is null)
        {
            var who = await client.WhoAsync("*");
            lock (_gate)
            {
                foreach (var w in who)
                {
                    _knownNicks.Add(w.Nick);
                }
            }
            Info(who.Count == 0
                ? "nobody online that the server shows"
                : $"online ({who.Count}): " + string.Join(", ", who.Select(w => w.Away ? w.Nick + " (away)" : w.Nick)));
            return;
        }
        var r = await client.WhoisAsync(nick);
        if (!r.Online)
        {
            Error($"{nick} is not online (unknown nick)");
            return;
        }
        lock (_gate)
        {
            _knownNicks.Add(r.Nick);
        }
        var parts = new List<string> { "online" };
        parts.Add(r.Account is { } a ? $"account {a}" : "no account");
        if (r.Away is { } away)
        {
            parts.Add($"away: {away}");
        }
        if (r.Idle is { } idle)
        {
            parts.Add($"idle {FormatSpan(idle)}");
        }
        if (r.User is not null)
        {
            parts.Add($"{r.User}@{r.Host}");
        }
        if (r.Channels is { Length: > 0 } channels)
        {
            parts.Add($"in {channels}");
        }
        if (r.DirectChat is { } endpoint)
        {
            parts.Add($"direct chat at {endpoint}");
        }
        if (_direct.IsOpen(r.Nick))
        {
            parts.Add("direct chat open");
        }
        Info($"{r.Nick}: {string.Join(", ", parts)}");
    }

    private async Task SendMessageAsync(string target, string text)
    {
        if (_direct.IsOpen(target))
        {
            if (await _direct.SendAsync(target, text))
            {
                Current = target;
                _view.Show($"{Stamp(_time.GetUtcNow())} ={Me}= -> {target}: {text}", target);
                return;
            }
        }
        if (RequireLogin() is not { } client)
        {
            return;
        }
        if (!await client.SendMessageAsync(target, text))
        {
            Error("not sent: the connection to the server is down");
            return;
        }
        Current = target;
        _view.Show($"{Stamp(_time.GetUtcNow())} <{client.Nick}> -> {target}: {text}", target);
    }

    private async Task SendActionAsync(string text)
    {
        if (Current is null || text.Length == 0)
        {
            Error("/me <action> needs a conversation (/msg or /switch first)");
            return;
        }
        if (_direct.IsOpen(Current))
        {
            await _direct.SendAsync(Current, Ctcp.Format("ACTION", text));
        }
        else if (RequireLogin() is { } client)
        {
            await client.SendCtcpAsync(Current, "ACTION", text);
        }
        _view.Show($"{Stamp(_time.GetUtcNow())} * {Me} {text}", Current);
    }

    private string Me => _client?.Nick ?? "me";

    private void Show(string? nick)
    {
        List<InboxEntry> entries;
        lock (_gate)
        {
            entries = nick is null ? [.. _inbox] : _inbox.Where(e => e.From.Equals(nick, StringComparison.OrdinalIgnoreCase)).ToList();
            _inbox.RemoveAll(entries.Contains);
        }
        if (entries.Count == 0)
        {
            Info(nick is null ? "no new messages" : $"no new messages from {nick}");
            return;
        }
        Info($"{entries.Count} new message{(entries.Count == 1 ? "" : "s")}" + (nick is null ? "" : $" from {nick}") + ":");
        foreach (var e in entries)
        {
            var via = e.Direct ? " (direct)" : e.Target is { } t ? $" in {t}" : "";
            _view.Show($"  {e.Time.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} {e.From}{via}: {e.Text}");
        }
    }

    private void Direct(string nick, bool passive)
    {
        if (RequireLogin() is not { } client)
        {
            return;
        }
        if (_direct.IsOpen(nick))
        {
            Error($"a direct chat with {nick} is already open");
            return;
        }
        _ = RunInBackgroundAsync($"direct chat with {nick}", () => DirectAsync(client, nick, passive));
    }

    /// <summary>
    /// To a Parley peer that published where it accepts direct chats: connect there (the
    /// token handshake, no listener on our side). Otherwise, or when that fails: a DCC CHAT
    /// offer, as irssi and WeeChat understand.
    /// </summary>
    private async Task DirectAsync(IrcClient client, string nick, bool passive)
    {
        if (!passive && client.HasCap(IrcClient.MetadataCap))
        {
            string? published;
            try
            {
                published = await client.GetMetadataAsync(nick, IrcClient.DirectChatKey);
            }
            catch (Exception e) when (e is TimeoutException or IOException or InvalidOperationException)
            {
                published = null;
            }
            if (DirectChats.TryParseEndPoint(published, out var endpoint))
            {
                Info($"connecting to {nick}'s direct-chat endpoint {published}");
                try
                {
                    await _direct.ConnectAsync(nick, endpoint);
                    return;
                }
                catch (Exception e) when (e is IOException or TimeoutException or System.Net.Sockets.SocketException)
                {
                    Error($"direct chat with {nick} at {published} failed: {e.Message}; offering one instead");
                }
            }
        }
        Info($"offering {nick} a direct chat{(passive ? " (passive: they listen)" : "")}; waiting up to {_direct.OfferTimeout.TotalMinutes:0} min for them to /accept");
        await _direct.OfferAsync(nick, passive);
    }

    private void Accept(string nick)
    {
        if (!_direct.PendingOffers.Any(o => o.Peer.Equals(nick, StringComparison.OrdinalIgnoreCase)))
        {
            Error($"no direct chat offer from {nick}");
            return;
        }
        _ = RunInBackgroundAsync($"direct chat with {nick}", () => _direct.AcceptAsync(nick));
    }

    private async Task RunInBackgroundAsync(string what, Func<Task> work)
    {
        try
        {
            await work();
        }
        catch (Exception e) when (e is IOException or TimeoutException or InvalidOperationException or OperationCanceledException
            or System.Net.Sockets.SocketException)
        {
            Error($"{what} failed: {e.Message}");
        }
    }

    private async Task ChannelCommandAsync(string verb, string[] args, string rest)
    {
        if (RequireLogin() is not { } client)
        {
            return;
        }
        switch (verb)
        {
            case "join" when args.Length >= 1:
                await client.SendAsync(args.Length > 1 ? new IrcMessage("JOIN", args[0], args[1]) : new IrcMessage("JOIN", args[0]));
                Current = args[0];
                break;
            case "part" when args.Length >= 1:
                var reason = rest[args[0].Length..].Trim();
                await client.SendAsync(reason.Length > 0 ? new IrcMessage("PART", args[0], reason) : new IrcMessage("PART", args[0]));
                break;
            case "names":
                var channel = args.FirstOrDefault() ?? (Current is { } c && client.IsChannel(c) ? c : null);
                if (channel is null)
                {
                    Usage("names");
                    return;
                }
                var names = await client.NamesAsync(channel);
                lock (_gate)
                {
                    foreach (var n in names)
                    {
                        _knownNicks.Add(n.TrimStart('@', '+', '%', '~', '&'));
                    }
                }
                Info($"{channel} ({names.Count}): {string.Join(' ', names)}");
                break;
            case "topic" when args.Length >= 1:
                var text = rest[args[0].Length..].Trim();
                await client.SendAsync(text.Length > 0 ? new IrcMessage("TOPIC", args[0], text) : new IrcMessage("TOPIC", args[0]));
                break;
            case "away":
                await client.SendAsync(rest.Length > 0 ? new IrcMessage("AWAY", rest) : new IrcMessage("AWAY"));
                break;
            case "history" when args.Length >= 1:
                var count = args.Length > 1 && int.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n2) ? Math.Clamp(n2, 1, 1000) : 20;
                if (!await client.RequestHistoryAsync(args[0], count))
                {
                    Error("this server keeps no history (no draft/chathistory)");
                }
                break;
            default:
                Usage(verb);
                break;
        }
    }

    internal void Info(string text) => _view.Show("-- " + text);

    internal void Error(string text) => _view.Show("!! " + text);

    private static string Stamp(DateTimeOffset t) => "[" + t.ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture) + "]";

    private static string FormatSpan(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:00}m" : t.TotalMinutes >= 1 ? $"{t.Minutes}m{t.Seconds:00}s" : $"{t.Seconds}s";

    /// <summary>What /login asked of the standing listener: an address and port, or (null, 0) for the server connection's address and an ephemeral port.</summary>
    private sealed record EndpointWish(IPAddress? Address, int Port);

    private sealed record InboxEntry(DateTimeOffset Time, string From, string? Target, string Text, bool Direct);
}
