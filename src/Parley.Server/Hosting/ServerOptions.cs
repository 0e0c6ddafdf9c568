namespace Parley.Server.Hosting;

/// <summary>
/// Everything <c>parley serve</c> can be told, bound from the configuration section
/// <c>Server</c> (JSON file, PARLEY_ environment variables, command line; see
/// docs/configuration.md and docs/parley.sample.json). Immutable; REHASH builds a new one.
/// </summary>
public sealed record ServerOptions
{
    public const string SectionName = "Server";

    /// <summary>Where to listen for IRC clients: HOST:PORT, IPv6 as [::1]:6667. "localhost" is 127.0.0.1 and ::1.</summary>
    public IReadOnlyList<string> Listen { get; init; } = ["localhost:6667"];

    /// <summary>The data directory (database, state). Created if missing.</summary>
    public string DataDir { get; init; } = "parley-data";

    /// <summary>The server's name, the source of its numerics. Must look like a host name.</summary>
    public string Name { get; init; } = "parley.local";

    /// <summary>The network's name (ISUPPORT NETWORK).</summary>
    public string Network { get; init; } = "Parley";

    /// <summary>The server's one-line description: the server info of WHOIS (312), LINKS (364) and INFO.</summary>
    public string Description { get; init; } = "Parley IRC server";

    /// <summary>
    /// The name the built-in services (NickServ) go by as a server: listed by LINKS as linked
    /// to this one, as services are on other IRC servers.
    /// </summary>
    public string ServicesName { get; init; } = "services.parley";

    /// <summary>A server password clients must send with PASS, or null.</summary>
    public string? Password { get; init; }

    /// <summary>A file whose lines are the message of the day, or null for none.</summary>
    public string? Motd { get; init; }

    /// <summary>rfc1459 or ascii.</summary>
    public string CaseMapping { get; init; } = "rfc1459";

    /// <summary>TLS listeners and their certificate.</summary>
    public TlsOptions Tls { get; init; } = new();

    public FloodOptions Flood { get; init; } = new();

    /// <summary>IP cloaking: what others see instead of a client's address.</summary>
    public CloakOptions Cloaks { get; init; } = new();

    /// <summary>How many connections, from where, how fast.</summary>
    public ConnectionLimitOptions Connections { get; init; } = new();

    public LimitOptions Limits { get; init; } = new();

    /// <summary>Logins and accounts (login throttle, self-registration).</summary>
    public AccountOptions Accounts { get; init; } = new();

    /// <summary>Message history and offline delivery.</summary>
    public HistoryOptions History { get; init; } = new();

    /// <summary>The web client, IRC over WebSocket, health endpoints.</summary>
    public HttpOptions Http { get; init; } = new();

    /// <summary>Prometheus metrics.</summary>
    public MetricsOptions Metrics { get; init; } = new();

    /// <summary>The clustered mode: several nodes, one network (off unless a connection string is given).</summary>
    public ClusterOptions Cluster { get; init; } = new();

    /// <summary>Operator blocks for OPER.</summary>
    public IReadOnlyList<OperatorOptions> Operators { get; init; } = [];

    /// <summary>Shown by ADMIN.</summary>
    public AdminOptions Admin { get; init; } = new();
}

/// <summary>Per-connection flood control: a token bucket (in the manner of Ergo's fakelag).</summary>
public sealed record FloodOptions
{
    /// <summary>Off with --no-flood-limits (benchmarks, conformance runs).</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Commands a client may send at once before being slowed down.</summary>
    public int Burst { get; init; } = 8;

    /// <summary>Commands per second sustained once the burst is spent.</summary>
    public double PerSecond { get; init; } = 2;

    /// <summary>Nick changes a client may make at once (438 ERR_NICKTOOFAST beyond).</summary>
    public int NickChangeBurst { get; init; } = 5;

    /// <summary>Nick changes per minute sustained.</summary>
    public double NickChangesPerMinute { get; init; } = 4;

    /// <summary>Channels a client may join at once (439 ERR_TARGETTOOFAST beyond).</summary>
    public int JoinBurst { get; init; } = 20;

    /// <summary>Joins per minute sustained.</summary>
    public double JoinsPerMinute { get; init; } = 20;

    /// <summary>Changes a client may make at once to its own metadata (METADATA SET/CLEAR; FAIL RATE_LIMITED beyond).</summary>
    public int MetadataChangeBurst { get; init; } = 10;

    /// <summary>Changes per minute to one's own metadata sustained.</summary>
    public double MetadataChangesPerMinute { get; init; } = 10;
}

/// <summary>
/// TLS: where to accept IRC over TLS and with which certificate (PEM files, re-read on REHASH).
/// Clients may present a certificate of their own: its SHA-256 fingerprint is their certfp.
/// </summary>
public sealed record TlsOptions
{
    /// <summary>Where to accept IRC over TLS: HOST:PORT as for <see cref="ServerOptions.Listen"/>. Empty: no TLS.</summary>
    public IReadOnlyList<string> Listen { get; init; } = [];

    /// <summary>The certificate (chain) PEM file.</summary>
    public string? Certificate { get; init; }

    /// <summary>The private key PEM file (PKCS#8, or PKCS#1 RSA / SEC1 EC).</summary>
    public string? Key { get; init; }

    /// <summary>
    /// Advertise Strict Transport Security (the <c>sts</c> capability): plain-text clients are
    /// told the TLS port, TLS clients how long to keep using TLS.
    /// </summary>
    public bool Sts { get; init; } = true;

    /// <summary>How long (seconds) a client keeps to TLS after seeing the STS policy.</summary>
    public int StsDurationSeconds { get; init; } = 30 * 24 * 3600;
}

/// <summary>
/// IP cloaking (on by default, as Ergo): others see a keyed hash of a client's address instead
/// of the address; operators see the real one. The key is <c>cloak.key</c> in the data
/// directory, made on first start.
/// </summary>
public sealed record CloakOptions
{
    public bool Enabled { get; init; } = true;

    /// <summary>What follows the hash: <c>k7d2q9xm4ahw3bzt.parley</c>.</summary>
    public string Suffix { get; init; } = "parley";

    /// <summary>IPv6 addresses in one block of this length share a cloak.</summary>
    public int PrefixV6 { get; init; } = 64;
}

/// <summary>
/// Connection limits (in the manner of Ergo's connection-limits and connection-throttling):
/// a connection over a limit gets <c>ERROR</c> with the reason and is closed at once.
/// Addresses are grouped: IPv4 per address, IPv6 per /64 (one subscriber's network), and
/// both into blocks (/24, /48) for the block limit.
/// </summary>
public sealed record ConnectionLimitOptions
{
    /// <summary>
    /// Connections at once, all addresses together; 0: as many as the process's descriptor limit
    /// allows, keeping <see cref="ReservedDescriptors"/> for the server itself.
    /// </summary>
    public int MaxTotal { get; init; }

    /// <summary>Descriptors kept back from clients when <see cref="MaxTotal"/> is 0 (database, logs, the runtime).</summary>
    public int ReservedDescriptors { get; init; } = 256;

    /// <summary>Connections at once from one address (IPv6: one /64); 0: no limit.</summary>
    public int MaxPerAddress { get; init; } = 16;

    /// <summary>Connections at once from one block (IPv4 /24, IPv6 /48); 0: no limit.</summary>
    public int MaxPerBlock { get; init; } = 64;

    /// <summary>Prefix length grouping IPv6 addresses as one address.</summary>
    public int AddressPrefixV6 { get; init; } = 64;

    /// <summary>Prefix lengths of a block.</summary>
    public int BlockPrefixV4 { get; init; } = 24;
    public int BlockPrefixV6 { get; init; } = 48;

    /// <summary>New connections one address may open per <see cref="ThrottleSeconds"/>; 0: no throttle.</summary>
    public int ThrottleConnections { get; init; } = 32;

    /// <summary>The throttle's window.</summary>
    public int ThrottleSeconds { get; init; } = 600;

    /// <summary>
    /// Address blocks (CIDR) exempt from the per-address, per-block and throttle limits (not from
    /// <see cref="MaxTotal"/>). Loopback by default, so local tests and benchmarks are not limited.
    /// </summary>
    public IReadOnlyList<string> Exempt { get; init; } = ["127.0.0.0/8", "::1/128"];
}

public sealed record LimitOptions
{
    /// <summary>
    /// The RecvQ: bytes read from a client and not yet handled. When it is full (a client sends
    /// faster than flood control lets it), the server stops reading from that client (TCP
    /// backpressure) until it catches up. Applies to new listeners (restart).
    /// </summary>
    public int RecvQBytes { get; init; } = 64 * 1024;

    /// <summary>The SendQ: bytes queued for a client before it is dropped with "SendQ exceeded".</summary>
    public int SendQBytes { get; init; } = 256 * 1024;

    /// <summary>Seconds an unregistered connection may take to register.</summary>
    public int RegistrationTimeoutSeconds { get; init; } = 60;

    /// <summary>Seconds of silence before the server sends PING.</summary>
    public int PingIntervalSeconds { get; init; } = 120;

    /// <summary>Seconds to answer that PING before the connection is dropped.</summary>
    public int PingTimeoutSeconds { get; init; } = 60;

    /// <summary>NICKLEN.</summary>
    public int NickLength { get; init; } = 30;

    /// <summary>TOPICLEN.</summary>
    public int TopicLength { get; init; } = 390;

    /// <summary>AWAYLEN.</summary>
    public int AwayLength { get; init; } = 390;

    /// <summary>KICKLEN.</summary>
    public int KickLength { get; init; } = 390;

    /// <summary>CHANLIMIT for #.</summary>
    public int MaxChannelsPerUser { get; init; } = 100;

    /// <summary>MAXLIST: entries per ban, exception or invite-exception list.</summary>
    public int MaxListEntries { get; init; } = 100;

    /// <summary>TARGMAX for PRIVMSG, NOTICE, JOIN and friends.</summary>
    public int MaxTargets { get; init; } = 8;
}

/// <summary>An operator block. The password is stored hashed: make one with <c>parley mkpasswd</c>.</summary>
public sealed record OperatorOptions
{
    public string Name { get; init; } = "";

    /// <summary>PBKDF2 hash as written by <c>parley mkpasswd</c>.</summary>
    public string PasswordHash { get; init; } = "";

    /// <summary>A nick!user@host mask the operator must match; "*" for any.</summary>
    public string Mask { get; init; } = "*";
}

public sealed record AdminOptions
{
    public string Location1 { get; init; } = "Parley chat server";
    public string Location2 { get; init; } = "";
    public string Email { get; init; } = "admin@parley.local";
}
