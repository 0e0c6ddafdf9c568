using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Parley.Cluster;

/// <summary>
/// Follows Orleans' membership (failure detection tuned to about a second, see
/// <see cref="ClusterHost"/>) and logs every node that joins or leaves, by name and address:
/// an operator's view of the cluster, and the event the tests wait on.
/// </summary>
/// <remarks>
/// On a node's death this node sends its local clients a QUIT (netsplit reason) for each of its
/// users they share a channel with, drops them from the channel replicas and subscribes again
/// to the channels whose grains were lost (<see cref="ClusterLink.NodeDiedAsync"/>). Nicks need
/// nothing: the nick grains persist their holders, and a holder on a dead node holds nothing
/// (<see cref="Grains.NickGrain"/>).
/// </remarks>
public sealed partial class MembershipWatcher(IClusterMembershipService membership, ILocalSiloDetails self, ClusterLink link, ILogger<MembershipWatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ClusterMembershipSnapshot? previous = null;
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stoppingToken))
            {
                var update = previous is null ? snapshot.AsUpdate() : snapshot.CreateUpdate(previous);
                previous = snapshot;
                foreach (var change in update.Changes)
                {
                    if (change.SiloAddress.Equals(self.SiloAddress))
                    {
                        continue;
                    }
                    if (change.Status == SiloStatus.Active)
                    {
                        LogJoined(logger, change.Name, change.SiloAddress.Endpoint);
                    }
                    else if (change.Status == SiloStatus.Dead)
                    {
                        LogLeft(logger, change.Name, change.SiloAddress.Endpoint);
                        var quit = await link.NodeDiedAsync(change.SiloAddress.ToParsableString(), change.Name, stoppingToken);
                        LogNetsplit(logger, change.Name, quit);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 9204, Level = LogLevel.Information, Message = "cluster: netsplit from {Name}: {Users} of its users left this node's channels")]
    private static partial void LogNetsplit(ILogger logger, string name, int users);

    [LoggerMessage(EventId = 9201, Level = LogLevel.Information, Message = "cluster: node {Name} ({Endpoint}) joined")]
    private static partial void LogJoined(ILogger logger, string name, System.Net.IPEndPoint endpoint);

    [LoggerMessage(EventId = 9202, Level = LogLevel.Warning, Message = "cluster: node {Name} ({Endpoint}) left")]
    private static partial void LogLeft(ILogger logger, string name, System.Net.IPEndPoint endpoint);
}
