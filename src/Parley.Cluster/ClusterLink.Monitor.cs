using Microsoft.Extensions.Logging;
using Parley.Cluster.Grains;

namespace Parley.Cluster;

// MONITOR across nodes (issue 9). Every node keeps which nicks the other nodes' users watch
// (told by each node when a nick gets its first watcher there or loses its last, and asked of
// every node when this one starts), so a user of this node coming online or going offline as a
// nick watched elsewhere is told to exactly those nodes; a nick nobody watches elsewhere costs
// a dictionary lookup. The watching node tells its watchers (IrcNetwork.MonitorFromRemote) and
// remembers the holder's node, so that node's death makes the nick offline there.
public sealed partial class ClusterLink
{
    /// <summary>Folded nick → the other nodes watching it (node → observer). Under <see cref="_gate"/>.</summary>
    private readonly Dictionary<string, Dictionary<string, INodeObserver>> _watchedElsewhere = new(StringComparer.Ordinal);

    /// <summary>This node's watch announcements, sent one after the other (a watch and its unwatch in order).</summary>
    private Task _watchSends = Task.CompletedTask;

    /// <summary>This node's users' online/offline news for other nodes' watchers, in order.</summary>
    private Task _monitorSends = Task.CompletedTask;

    public Task WatchNicksAsync(IReadOnlyList<string> nicks, bool watching)
    {
        lock (_gate)
        {
            return _watchSends = SendWatchesAfterAsync(_watchSends, [.. nicks], watching);
        }
    }

    private async Task SendWatchesAfterAsync(Task previous, string[] nicks, bool watching)
    {
        await Task.Yield();
        await previous;
        try
        {
            var me = new NodeEntry(_node, Observer);
            var nodes = await OtherActiveNodesAsync();
            await Task.WhenAll(nodes.Select(async n =>
            {
                try
                {
                    await n.Observer.WatchAsync(me, nicks, watching).WaitAsync(CountsTimeout);
                }
                catch (Exception ex) when (ex is OrleansException or TimeoutException)
                {
                    // Down or dying: it asks again when it starts (PullWatchesAsync).
                }
            }));
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            LogWatchFailed(logger, ex);
        }
    }

    /// <summary>Another node's users watch (or no longer watch) these nicks.</summary>
    private void OnWatch(NodeEntry watcher, string[] nicks, bool watching)
    {
        lock (_gate)
        {
            foreach (var nick in nicks)
            {
                if (watching)
                {
                    if (!_watchedElsewhere.TryGetValue(nick, out var nodes))
                    {
                        _watchedElsewhere[nick] = nodes = new(StringComparer.Ordinal);
                    }
                    nodes[watcher.Node] = watcher.Observer;
                }
                else if (_watchedElsewhere.TryGetValue(nick, out var nodes) && nodes.Remove(watcher.Node) && nodes.Count == 0)
                {
                    _watchedElsewhere.Remove(nick);
                }
            }
        }
    }

    public void MonitorChanged(string folded, string nick, string? prefix)
    {
        lock (_gate)
        {
            if (_watchedElsewhere.Count == 0 || !_watchedElsewhere.TryGetValue(folded, out var nodes))
            {
                return;
            }
            _monitorSends = SendMonitorAfterAsync(_monitorSends, [.. nodes.Values], nick, prefix);
        }
    }

    private async Task SendMonitorAfterAsync(Task previous, INodeObserver[] nodes, string nick, string? prefix)
    {
        await Task.Yield();
        await previous;
        await Task.WhenAll(nodes.Select(async n =>
        {
            try
            {
                await n.MonitorAsync(_node, nick, prefix).WaitAsync(CountsTimeout);
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                // Its node is going: its watchers with it.
            }
        }));
    }

    /// <summary>
    /// At this node's start (after it is in the node directory, so a watch made meanwhile is
    /// sent here too): what the other nodes' users watch.
    /// </summary>
    public async Task PullWatchesAsync()
    {
        foreach (var n in await OtherActiveNodesAsync())
        {
            try
            {
                OnWatch(n, await n.Observer.WatchedAsync().WaitAsync(CountsTimeout), watching: true);
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                LogWatchFailed(logger, ex);
            }
        }
    }

    /// <summary>A node died: it watches nothing any more, and the nicks its users held are offline for this node's watchers.</summary>
    private void ForgetWatchesOf(string node)
    {
        lock (_gate)
        {
            foreach (var (nick, nodes) in _watchedElsewhere.ToList())
            {
                if (nodes.Remove(node) && nodes.Count == 0)
                {
                    _watchedElsewhere.Remove(nick);
                }
            }
        }
        Network.MonitorNodeGone(node);
    }

    [LoggerMessage(EventId = 9030, Level = LogLevel.Warning, Message = "cluster: telling the other nodes which nicks this node's users MONITOR failed")]
    private static partial void LogWatchFailed(ILogger logger, Exception ex);
}
