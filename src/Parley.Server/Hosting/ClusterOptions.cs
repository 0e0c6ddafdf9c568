namespace Parley.Server.Hosting;

/// <summary>
/// The clustered mode (issue 9), bound from <c>Server:Cluster</c>: with a
/// <see cref="ConnectionString"/>, this node is an Orleans silo of the network whose members
/// share that PostgreSQL database (accounts, history, membership). Plain values only: the
/// cluster itself lives in Parley.Cluster, which Parley.Server does not reference.
/// </summary>
public sealed record ClusterOptions
{
    /// <summary>The PostgreSQL connection string (Npgsql form: <c>Host=…;Database=…;Username=…;Password=…</c>); null: a single node.</summary>
    public string? ConnectionString { get; init; }

    /// <summary>
    /// HOST:PORT where this node talks to the other nodes (Orleans' silo port). HOST must be an
    /// IP address (or localhost) that the other nodes can reach: it is what this node
    /// advertises in the membership table. Loopback by default, for nodes on one machine.
    /// </summary>
    public string SiloListen { get; init; } = "127.0.0.1:11111";

    /// <summary>Nodes with the same id in the same database form one network.</summary>
    public string ClusterId { get; init; } = "parley";

    /// <summary>
    /// How long a node waits for another node's answer to a liveness probe: the unit of failure
    /// detection. A node that misses two probes in a row is voted dead, so a killed node is
    /// declared dead about a second after its death with the default. The membership table's
    /// refresh (2x), the heartbeat in it (5x) and the time a dead node's grains stay reserved
    /// (10x) scale with it. Raise it where a probe's round trip can take longer than that:
    /// nodes far apart, or hosts that stall for hundreds of milliseconds.
    /// </summary>
    public TimeSpan ProbeTimeout { get; init; } = DefaultProbeTimeout;

    /// <summary>The default <see cref="ProbeTimeout"/>.</summary>
    public static readonly TimeSpan DefaultProbeTimeout = TimeSpan.FromSeconds(1);

    /// <summary>Whether the clustered mode is on.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(ConnectionString);
}
