using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Parley.Server;

namespace Parley.Cluster;

/// <summary>
/// Puts this node in the cluster's node directory once it runs (<see cref="ClusterLink.RegisterNodeAsync"/>),
/// so the other nodes can ask it for its counts (LUSERS). Retried until it succeeds: right
/// after a start the directory grain may be waiting for a dead node's lease.
/// </summary>
public sealed partial class NodeRegistration(ClusterLink link, ServerContext server, ILogger<NodeRegistration> logger) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The server (and so the link's IrcNetwork) is built when first asked for: now, not at the first connection.
        if (server.Network.Link != link)
        {
            throw new InvalidOperationException("the server's network link is not this node's ClusterLink");
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await link.RegisterNodeAsync();
                // Then what the others' users MONITOR: a watch made from now on is sent here too.
                await link.PullWatchesAsync();
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogRegisterFailed(logger, ex);
            }
            try
            {
                await Task.Delay(RetryDelay, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(EventId = 9210, Level = LogLevel.Warning, Message = "cluster: registering this node in the node directory failed (retrying)")]
    private static partial void LogRegisterFailed(ILogger logger, Exception ex);
}
