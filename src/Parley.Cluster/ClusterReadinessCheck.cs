using Parley.Server.Web;

namespace Parley.Cluster;

/// <summary>
/// <c>/readyz</c>'s "cluster" check: this node is an active member of the Orleans cluster (it has
/// joined, and neither shuts down nor was declared dead by the others). Until then its users
/// could not reach anyone on the other nodes, so a load balancer should send them elsewhere.
/// The storage checks beside it (accounts, history) read the cluster's PostgreSQL database.
/// </summary>
public sealed class ClusterReadinessCheck(IClusterMembershipService membership, ILocalSiloDetails self) : IReadinessCheck
{
    public string Name => "cluster";

    public Task<string?> CheckAsync(CancellationToken cancellationToken)
    {
        var status = membership.CurrentSnapshot.GetSiloStatus(self.SiloAddress);
        return Task.FromResult(status == SiloStatus.Active
            ? null
            : status switch
            {
                SiloStatus.None or SiloStatus.Created or SiloStatus.Joining => "this node has not joined the cluster yet",
                SiloStatus.ShuttingDown or SiloStatus.Stopping => "this node is leaving the cluster",
                SiloStatus.Dead => "the cluster declared this node dead",
                _ => $"this node's cluster status is {status}",
            });
    }
}
