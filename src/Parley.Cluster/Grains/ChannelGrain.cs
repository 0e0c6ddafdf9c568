using Microsoft.Extensions.Logging;

namespace Parley.Cluster.Grains;

/// <summary>
/// See <see cref="IChannelGrain"/>. Not reentrant: a publish runs to the end of its fan-out
/// before the next call (publish, subscribe, unsubscribe) starts, so every node sees one order
/// and a subscription falls between two events. The fan-out is one awaited call per node, in
/// parallel across nodes (never one-way: ../shared/notes/orleans.md measured one-way observer
/// calls reordering on remote nodes); awaited calls from one grain to one observer arrive in
/// order.
/// </summary>
/// <remarks>
/// A node that does not take an event within <see cref="NodeTimeout"/> (or fails) is dropped
/// from the fan-out, so one slow or dead node never stalls the channel for the others; it sees
/// the gap when it subscribes again. State is in memory, kept while any node is subscribed.
/// </remarks>
public sealed partial class ChannelGrain(ILogger<ChannelGrain> logger, IClusterMembershipService membership) : Grain, IChannelGrain
{
    /// <summary>How long one node may take to accept one event before it is dropped.</summary>
    public static readonly TimeSpan NodeTimeout = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan SubscribedLifetime = TimeSpan.FromDays(365);

    private readonly Dictionary<string, INodeObserver> _nodes = new(StringComparer.Ordinal);
    private long _seq;

    public async Task<SubscribeResult> SubscribeAsync(string node, INodeObserver observer, bool resume = false)
    {
        if (resume && _nodes.ContainsKey(node))
        {
            return new SubscribeResult(_seq, null, false);
        }
        var channel = this.GetPrimaryKeyString();
        ChannelSnapshotWire? snapshot = null;
        var fromPeer = false;
        ForgetDeadNodes();
        foreach (var (other, o) in _nodes.ToArray())
        {
            if (other == node)
            {
                continue;
            }
            try
            {
                // Not reentrant: the peer has taken every event up to _seq, and no other comes meanwhile.
                var reply = await o.SnapshotAsync(channel).WaitAsync(NodeTimeout);
                if (!reply.Held)
                {
                    // It dropped its replica (no member left there) and is unsubscribing: ask another.
                    continue;
                }
                snapshot = reply.Snapshot;
                fromPeer = true;
                break;
            }
            catch (Exception ex) when (ex is TimeoutException or OrleansException or OperationCanceledException)
            {
                _nodes.Remove(other);
                LogNodeDropped(logger, other, channel, _seq);
            }
        }
        _nodes[node] = observer;
        DelayDeactivation(SubscribedLifetime);
        return new SubscribeResult(_seq, snapshot, fromPeer);
    }

    public Task UnsubscribeAsync(string node)
    {
        if (_nodes.Remove(node) && _nodes.Count == 0)
        {
            DeactivateOnIdle();
        }
        return Task.CompletedTask;
    }

    public async Task<long> PublishAsync(ChannelEvent e)
    {
        var originFirst = e.Command is { OriginApplies: true };
        if (originFirst && !_nodes.ContainsKey(e.Origin))
        {
            return -1;
        }
        var seq = ++_seq;
        var channel = this.GetPrimaryKeyString();
        ForgetDeadNodes();
        var targets = _nodes.ToArray();
        var calls = new Task<bool>[targets.Length];
        if (originFirst)
        {
            var origin = Array.FindIndex(targets, t => t.Key == e.Origin);
            calls[origin] = DeliverAsync(targets[origin].Value, channel, seq, e);
            await calls[origin];
        }
        for (var i = 0; i < targets.Length; i++)
        {
            calls[i] ??= DeliverAsync(targets[i].Value, channel, seq, e);
        }
        var taken = await Task.WhenAll(calls);
        for (var i = 0; i < targets.Length; i++)
        {
            if (!taken[i] && _nodes.TryGetValue(targets[i].Key, out var o) && o.Equals(targets[i].Value))
            {
                _nodes.Remove(targets[i].Key);
                LogNodeDropped(logger, targets[i].Key, channel, seq);
            }
        }
        return seq;
    }

    /// <summary>Nodes membership has declared dead get nothing more (a call to one would fail anyway, after a wait).</summary>
    private void ForgetDeadNodes()
    {
        foreach (var node in _nodes.Keys.ToArray())
        {
            if (membership.CurrentSnapshot.GetSiloStatus(SiloAddress.FromParsableString(node)) == SiloStatus.Dead)
            {
                _nodes.Remove(node);
            }
        }
    }

    public async Task<SnapshotReply> QueryAsync()
    {
        var channel = this.GetPrimaryKeyString();
        ForgetDeadNodes();
        foreach (var (node, o) in _nodes.ToArray())
        {
            try
            {
                // Not reentrant: no event comes meanwhile, so the replica is as of the last one.
                var reply = await o.SnapshotAsync(channel).WaitAsync(NodeTimeout);
                if (reply.Held)
                {
                    return reply;
                }
            }
            catch (Exception ex) when (ex is TimeoutException or OrleansException or OperationCanceledException)
            {
                // Asked again by the next event or subscription, which drop it if it still fails.
                LogQueryFailed(logger, node, channel);
            }
        }
        if (_nodes.Count == 0)
        {
            // Activated by this query alone: nothing to keep.
            DeactivateOnIdle();
        }
        return new SnapshotReply(false, null);
    }

    [LoggerMessage(EventId = 9102, Level = LogLevel.Warning, Message = "node {Node} did not answer a query of {Channel} in time")]
    private static partial void LogQueryFailed(ILogger logger, string node, string channel);

    public Task<string[]> GetNodesAsync() => Task.FromResult(_nodes.Keys.Order(StringComparer.Ordinal).ToArray());

    private async Task<bool> DeliverAsync(INodeObserver node, string channel, long seq, ChannelEvent e)
    {
        try
        {
            await node.ChannelEventAsync(channel, seq, e).WaitAsync(NodeTimeout);
            return true;
        }
        catch (Exception ex) when (ex is TimeoutException or OrleansException or OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = 9101, Level = LogLevel.Warning, Message = "node {Node} did not take event {Seq} of {Channel} in time: dropped from the channel's fan-out")]
    private static partial void LogNodeDropped(ILogger logger, string node, string channel, long seq);
}
