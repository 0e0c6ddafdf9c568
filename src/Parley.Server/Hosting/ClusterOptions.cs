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

    /// <summary>Whether the clustered mode is on.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(ConnectionString);
}
