using System.Collections.Concurrent;
using System.Reflection;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Parley.Protocol;
using Parley.Server.Commands;
using Parley.Server.Connections;
using Parley.Server.Diagnostics;
using Parley.Server.Hosting;
using Parley.Server.Network;
using Parley.Server.Security;
using Parley.Server.Sessions;
using Parley.Server.Storage;

namespace Parley.Server;

/// <summary>
/// What every session shares: options, the Network, the command table, ISUPPORT, the MOTD, the
/// account store and login throttles, and the set of live sessions (for timeouts and shutdown).
/// </summary>
/// <remarks>
/// Threading: <see cref="Options"/>, <see cref="ISupport"/> and <see cref="Motd"/> are replaced
/// whole (REHASH) and read without locks; sessions register in a concurrent dictionary. The
/// sweeper runs on one timer, never concurrently with itself.
/// </remarks>
public sealed class ServerContext : IDisposable
{
    /// <summary>How often the sweeper checks registration and ping timeouts.</summary>
    public static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<long, Session> _sessions = new();
    private readonly ITimer _sweeper;
    private long _nextBatchId;
    private readonly Lock _idleGate = new();
    private TaskCompletionSource? _idle;
    private readonly byte[] _cloakKey;

    /// <param name="accounts">
    /// The account store, disposed with the context; null: a private in-memory one (nothing
    /// on disk). <see cref="ParleyServer"/> passes the data directory's.
    /// </param>
    /// <param name="cloakKey">The IP cloaking key (the data directory's <c>cloak.key</c>); null: a random one.</param>
    /// <param name="bans">Server bans (the data directory's bans.json); null: kept in memory.</param>
    /// <param name="history">
    /// The history store, disposed with the context; null: history off. <see cref="ParleyServer"/>
    /// passes the data directory's when Server:History:Enabled.
    /// </param>
    /// <param name="link">The rest of the network when this node is one of a cluster (Parley.Cluster); null: a single node.</param>
    public ServerContext(ServerOptions options, TimeProvider time, ILoggerFactory loggerFactory, Func<ServerOptions>? reload = null, IAccountStore? accounts = null, byte[]? cloakKey = null, ServerBans? bans = null, IHistoryStore? history = null, INetworkLink? link = null, ParleyMetrics? metrics = null)
    {
        Metrics = metrics ?? new ParleyMetrics();
        Barrier = new CommandBarrier(time);
        Bans = bans ?? ServerBans.InMemory(time);
        _cloakKey = cloakKey ?? System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        Time = time;
        LoggerFactory = loggerFactory;
        Reload = reload;
        var mapping = Protocol.CaseMapping.TryGet(options.CaseMapping, out var m) ? m : Protocol.CaseMapping.Rfc1459;
        History = history;
        Network = new IrcNetwork(options.Name, mapping, time, new DeliveryPipeline(history, loggerFactory.CreateLogger<DeliveryPipeline>(), Metrics));
        if (link is not null)
        {
            Network.AttachLink(link);
            Network.ShowJoinToSessions = (user, view) => ChannelCommands.ShowJoinToSessions(this, user, view);
        }
        Accounts = accounts ?? SqliteAccountStore.Open(SqliteDatabase.OpenInMemory(), mapping, time, ownsDatabase: true);
        Commands = CommandTable.CreateDefault();
        Metrics.ObserveCommands(Commands);
        Limiter = new ConnectionLimiter(() => Options.Connections, time, ConnectionLimiter.ReadDescriptorLimit());
        StartedAt = time.GetUtcNow();
        Apply(options);
        _sweeper = time.CreateTimer(_ => Sweep(), null, SweepInterval, SweepInterval);
        if (history is not null)
        {
            var every = TimeSpan.FromMinutes(options.History.PruneIntervalMinutes);
            _pruner = time.CreateTimer(_ => _ = PruneHistoryAsync(), null, TimeSpan.Zero, every);
        }
    }

    private readonly ITimer? _pruner;
    private int _pruning;

    /// <summary>The logger every connection shares (one wrapper, not one per connection).</summary>
    internal ILogger ConnectionLogger => _connectionLogger ??= LoggerFactory.CreateLogger<IrcConnection>();

    private ILogger? _connectionLogger;

    /// <summary>The history store, or null when history is off.</summary>
    public IHistoryStore? History { get; }

    /// <summary>Applies retention (Server:History): drops what is too old or beyond the count per target.</summary>
    public async Task PruneHistoryAsync()
    {
        if (History is null || Interlocked.Exchange(ref _pruning, 1) != 0)
        {
            return;
        }
        try
        {
            var h = Options.History;
            var maxAge = h.EffectiveMaxAge;
            var cut = maxAge > TimeSpan.Zero ? Time.GetUtcNow() - maxAge : DateTimeOffset.UnixEpoch;
            await Task.Run(() => History.PruneAsync(cut, h.MaxMessagesPerTarget));
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException or ObjectDisposedException)
        {
            if (ex is System.Data.Common.DbException)
            {
                Metrics.StorageError(ParleyMetrics.StoreHistory);
            }
            // Retention is retried at the next sweep; messages are only kept a little longer.
        }
        finally
        {
            Volatile.Write(ref _pruning, 0);
        }
    }

    public ServerOptions Options { get; private set; } = new();

    /// <summary>The server's instruments (exported at /metrics).</summary>
    public ParleyMetrics Metrics { get; }

    /// <summary>Commands in progress on every connection: what a PING waits for (<see cref="CommandBarrier"/>).</summary>
    public CommandBarrier Barrier { get; }
    public TimeProvider Time { get; }
    public ILoggerFactory LoggerFactory { get; }
    public IrcNetwork Network { get; }
    public CommandTable Commands { get; }
    public ISupport ISupport { get; private set; } = new();
    public IReadOnlyList<string>? Motd { get; private set; }
    public DateTimeOffset StartedAt { get; }

    /// <summary>IP cloaking, or null when it is off (Server:Cloaks).</summary>
    public HostCloak? Cloak { get; private set; }

    /// <summary>K-lines and D-lines.</summary>
    public ServerBans Bans { get; }

    /// <summary>Admits new connections (Server:Connections).</summary>
    public ConnectionLimiter Limiter { get; }

    /// <summary>Accounts: read on every login, never cached (another process may change them).</summary>
    public IAccountStore Accounts { get; }

    /// <summary>Failed logins per folded account name (Server:Accounts).</summary>
    public LoginThrottle AccountThrottle { get; private set; } = null!;

    /// <summary>Failed logins per client address (Server:Accounts).</summary>
    public LoginThrottle AddressThrottle { get; private set; } = null!;

    /// <summary>Re-reads the configuration for REHASH, or null when there is nothing to re-read.</summary>
    public Func<ServerOptions>? Reload { get; }

    public string Name => Options.Name;

    /// <summary>The TLS certificate (re-read by REHASH), or null without TLS.</summary>
    public X509Certificate2? Certificate { get; private set; }

    /// <summary>The bound TLS port, for the sts capability; null without TLS listeners.</summary>
    public int? TlsPort { get; set; }

    public static string Version { get; } = "parley-" + (typeof(ServerContext).Assembly
        .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.1");

    public int SessionCount => _sessions.Count;

    public IEnumerable<Session> Sessions => _sessions.Values;

    /// <summary>Applies new options: ISUPPORT and the MOTD are rebuilt; connections stay.</summary>
    public void Apply(ServerOptions options)
    {
        if (AccountThrottle is null || options.Accounts != Options.Accounts)
        {
            var a = options.Accounts;
            var window = TimeSpan.FromSeconds(a.LoginThrottleSeconds);
            AccountThrottle = new LoginThrottle(Time, a.LoginFailuresPerAccount, window);
            AddressThrottle = new LoginThrottle(Time, a.LoginFailuresPerAddress, window);
        }
        var tls = options.Tls;
        var certificate = tls.Listen.Count > 0 && !string.IsNullOrEmpty(tls.Certificate) && !string.IsNullOrEmpty(tls.Key)
            ? TlsCertificate.Load(tls.Certificate, tls.Key)
            : null;
        Options = options;
        Cloak = options.Cloaks.Enabled ? new HostCloak(_cloakKey, options.Cloaks.Suffix, options.Cloaks.PrefixV6) : null;
        // The old certificate may be in use by a handshake under way: it is left to the GC.
        Certificate = certificate;
        Network.ServerName = options.Name;
        Motd = LoadMotd(options.Motd);
        ISupport = BuildISupport(options, Network.CaseMapping);
        if (History is not null)
        {
            // Reads leave out what is past retention even before the pruner deletes it.
            History.Retention = new HistoryRetention(options.History.EffectiveMaxAge, Time);
            // https://ircv3.net/specs/extensions/chathistory#isupport-tokens
            ISupport = ISupport
                .Set("CHATHISTORY", options.History.QueryLimit.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .Set("MSGREFTYPES", "msgid,timestamp");
        }
    }

    public string NewBatchId()
        => "b" + Interlocked.Increment(ref _nextBatchId).ToString(System.Globalization.CultureInfo.InvariantCulture);

    internal void Add(Session session) => _sessions[session.Id] = session;

    internal void Remove(Session session)
    {
        if (_sessions.TryRemove(session.Id, out _) && _sessions.IsEmpty)
        {
            lock (_idleGate)
            {
                if (_sessions.IsEmpty)
                {
                    _idle?.TrySetResult();
                    _idle = null;
                }
            }
        }
    }

    /// <summary>Completes when no session is left (at once if none is); for tests and shutdown.</summary>
    public Task WhenNoSessionsAsync()
    {
        lock (_idleGate)
        {
            if (_sessions.IsEmpty)
            {
                return Task.CompletedTask;
            }
            _idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _idle.Task;
        }
    }

    /// <summary>Graceful shutdown: every client gets an ERROR with the reason, outboxes flush.</summary>
    public async Task ShutdownAsync(string reason, TimeSpan timeout)
    {
        foreach (var s in _sessions.Values)
        {
            s.Disconnect(reason);
        }
        var all = Task.WhenAll(_sessions.Values.Select(s => s.Closed));
        await Task.WhenAny(all, Task.Delay(timeout, Time));
        // The QUITs and anything else still waiting for its history commit: stored before the
        // store is disposed.
        await Task.WhenAny(Network.Deliveries.WhenDeliveredAsync().AsTask(), Task.Delay(timeout, Time));
    }

    internal void Sweep()
    {
        var now = Time.GetTimestamp();
        var limits = Options.Limits;
        foreach (var s in _sessions.Values)
        {
            s.CheckTimeouts(now, limits);
        }
        Network.EnforceNickClaims();
        Limiter.Prune();
    }

    private static IReadOnlyList<string>? LoadMotd(string? path)
    {
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
        {
            return null;
        }
        return File.ReadAllLines(path);
    }

    private static ISupport BuildISupport(ServerOptions o, CaseMapping mapping)
    {
        var l = o.Limits;
        return new ISupport()
            .Set("ACCOUNTEXTBAN", ExtBans.Account.ToString())
            .Set("AWAYLEN", l.AwayLength.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Set("BOT", "B")
            .Set("CASEMAPPING", mapping.Name)
            .Set("CHANLIMIT", $"#:{l.MaxChannelsPerUser}")
            .Set("CHANMODES", "beI,k,l,imnst")
            .Set("CHANNELLEN", ChannelNames.MaxLength.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Set("CHANTYPES", ChannelNames.Types)
            .Set("ELIST", "CMNTU")
            .Set("EXCEPTS", "e")
            .Set("EXTBAN", "," + ExtBans.Types)
            .Set("HOSTLEN", "64")
            .Set("INVEX", "I")
            .Set("KICKLEN", l.KickLength.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Set("MAXLIST", $"beI:{l.MaxListEntries}")
            .Set("MAXTARGETS", l.MaxTargets.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Set("MODES", "6")
            .Set("MONITOR", IrcNetwork.MaxMonitorTargets.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Set("NETWORK", o.Network)
            .Set("NICKLEN", l.NickLength.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Set("PREFIX", MemberPrefixes.ISupportValue)
            .Set("SAFELIST")
            .Set("STATUSMSG", MemberPrefixes.StatusMsg)
            .Set("TARGMAX", $"JOIN:,KICK:{l.MaxTargets},LIST:,MONITOR:,NAMES:,NOTICE:{l.MaxTargets},PART:,PRIVMSG:{l.MaxTargets},TAGMSG:{l.MaxTargets},WHOIS:1")
            .Set("TOPICLEN", l.TopicLength.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Set("USERLEN", "18")
            .Set("UTF8ONLY")
            .Set("WHOX");
    }

    public void Dispose()
    {
        _sweeper.Dispose();
        _pruner?.Dispose();
        History?.Dispose();
        Accounts.Dispose();
        Metrics.Dispose();
    }
}
