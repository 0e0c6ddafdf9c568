using Microsoft.AspNetCore.Builder;
using Parley.Server.Storage;

namespace Parley.Server.Hosting;

/// <summary>
/// What another host (the clustered mode, in Parley.Cluster) puts in place of the single
/// node's parts when it builds the server with <see cref="ParleyServer.Build"/>. Null members
/// keep the single node's: the SQLite files in the data directory.
/// </summary>
public sealed record ServerBackends
{
    /// <summary>The account store, instead of <c>parley.db</c>; disposed with the server.</summary>
    public IAccountStore? Accounts { get; init; }

    /// <summary>The history store, instead of <c>history.db</c> (used only when history is on); disposed with the server.</summary>
    public IHistoryStore? History { get; init; }

    /// <summary>The IP cloaking key, instead of the data directory's <c>cloak.key</c> (a cluster's nodes share one, so a user's cloak is the same on every node).</summary>
    public byte[]? CloakKey { get; init; }

    /// <summary>Adds services to the host before it is built (the Orleans silo).</summary>
    public Action<WebApplicationBuilder>? Configure { get; init; }
}
