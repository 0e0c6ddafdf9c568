using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Microsoft.Extensions.Logging;
using Orleans.Placement;
using Orleans.Storage;

namespace Parley.Cluster.Grains;

/// <summary>
/// See <see cref="IChannelGrain"/>. Not reentrant: a publish runs to the end of its fan-out
/// before the next call (publish, subscribe, unsubscribe) starts, so every node sees one order
/// and a subscription falls between two events. The fan-out is one awaited call per node, in
/// parallel across nodes (never one-way: ../shared/notes/orleans.md measured one-way observer
/// calls reordering on remote nodes); awaited calls from one grain to one observer arrive in
/// order. A publish carries one event or a batch of one node's (<see cref="PublishBatchAsync"/>):
/// the batch is numbered consecutively and each node gets it in one call, so a busy channel
/// pays the chain of calls (publish, origin, the others) once per batch, not once per message.
/// </summary>
/// <remarks>
/// A node that does not take an event within <see cref="NodeTimeout"/> (or fails) is dropped
/// from the fan-out, so one slow or dead node never stalls the channel for the others; it sees
/// the gap when it subscribes again. The subscribed nodes are persisted (grain storage
/// <see cref="ClusterHost.GrainStorage"/>, written on subscribe and unsubscribe only): a grain
/// lost with its node comes back on another knowing whom to fan out to, so a message sent
/// right after the death reaches every surviving node, not only those that have subscribed
/// again. Its numbers are not persisted (that would be a write per event): each activation
/// has its own <see cref="Epoch"/>, and numbers start again at 1 in it.
/// <para>
/// Placed on the node that first calls it (the node of the channel's first member, or after a
/// death the first survivor to call): its commands and fan-out are local there, where Orleans'
/// default placement rarely chose the caller's node (../shared/notes/orleans.md); and where a
/// channel's grain lives is predictable, which the node-death tests rely on.
/// </para>
/// </remarks>
[PreferLocalPlacement]
public sealed partial class ChannelGrain(
    [PersistentState("nodes", ClusterHost.GrainStorage)] IPersistentState<ChannelNodesState> state,
    ILogger<ChannelGrain> logger,
    IClusterMembershipService membership,
    IOptions<ClusterMembershipOptions> membershipOptions) : Grain, IChannelGrain
{
    /// <summary>
    /// How long one node may take to accept one event before it is dropped: 5 probe timeouts
    /// (Server:Cluster:ProbeTimeout), 5 s by default.
    /// </summary>
    public TimeSpan NodeTimeout { get; } = membershipOptions.Value.ProbeTimeout * 5;

    private static readonly TimeSpan SubscribedLifetime = TimeSpan.FromDays(365);

    private readonly Dictionary<string, INodeObserver> _nodes = new(StringComparer.Ordinal);

    /// <summary>
    /// Nodes restored from storage at activation that have not subscribed again since: the
    /// first of them to come back keeps its replica as the channel, the others take a snapshot
    /// (their replicas may differ by an event the lost activation was fanning out).
    /// </summary>
    private readonly HashSet<string> _restored = new(StringComparer.Ordinal);

    private long _seq;

    /// <summary>This activation's epoch: random, so a node tells a new activation's numbers from the last one's without any write.</summary>
    private long Epoch { get; } = Random.Shared.NextInt64(1, long.MaxValue);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Nodes.Count == 0)
        {
            return Task.CompletedTask;
        }
        // The last activation was lost (its node died, or stopped) with nodes subscribed.
        foreach (var (node, observer) in state.State.Nodes)
        {
            if (!IsGone(node))
            {
                _nodes[node] = observer;
                _restored.Add(node);
            }
        }
        if (_nodes.Count > 0)
        {
            DelayDeactivation(SubscribedLifetime);
        }
        LogRestored(logger, this.GetPrimaryKeyString(), _nodes.Count, state.State.Nodes.Count);
        return Task.CompletedTask;
    }

    public async Task<SubscribeResult> SubscribeAsync(string node, INodeObserver observer, bool resume = false)
    {
        ForgetDeadNodes();
        if (resume && _nodes.ContainsKey(node))
        {
            var restored = _restored.Remove(node);
            if (!restored || !_nodes.Keys.Any(n => n != node && !_restored.Contains(n)))
            {
                // Subscribed all along in this activation, or the first restored node to come back.
                return new SubscribeResult(_seq, null, false, Epoch, Kept: true);
            }
        }
        var channel = this.GetPrimaryKeyString();
        ChannelSnapshotWire? snapshot = null;
        var fromPeer = false;
        // A node that came back first (or subscribed in this activation) before one still restored.
        foreach (var (other, o) in _nodes.OrderBy(n => _restored.Contains(n.Key)).ToArray())
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
                _restored.Remove(other);
                LogNodeDropped(logger, other, channel, _seq);
                _ = TellDroppedAsync(o, channel, NodeTimeout);
            }
        }
        _restored.Remove(node);
        var changed = !_nodes.TryGetValue(node, out var was) || !was.Equals(observer);
        _nodes[node] = observer;
        DelayDeactivation(SubscribedLifetime);
        if (changed)
        {
            await SaveNodesAsync();
        }
        return new SubscribeResult(_seq, snapshot, fromPeer, Epoch);
    }

    public async Task UnsubscribeAsync(string node)
    {
        _restored.Remove(node);
        if (!_nodes.Remove(node))
        {
            return;
        }
        await SaveNodesAsync();
        if (_nodes.Count == 0)
        {
            DeactivateOnIdle();
        }
    }

    public Task<long> PublishAsync(ChannelEvent e) => PublishBatchAsync([e]);

    /// <summary>Most events one batch may carry (a node's submit queue takes at most this many per call).</summary>
    public const int MaxBatch = 256;

    public async Task<long> PublishBatchAsync(ChannelEvent[] events)
    {
        if (events.Length is 0 or > MaxBatch)
        {
            throw new ArgumentException($"a batch carries 1 to {MaxBatch} events", nameof(events));
        }
        var origin = events[0].Origin;
        var originFirst = false;
        foreach (var e in events)
        {
            if (e.Origin != origin)
            {
                // One origin per batch: it stores the batch's lines before the others get them.
                throw new ArgumentException("a batch carries one origin's events", nameof(events));
            }
            originFirst |= e.Command is { OriginApplies: true };
        }
        if (originFirst && !_nodes.ContainsKey(origin))
        {
            return -1;
        }
        var first = _seq + 1;
        _seq += events.Length;
        var channel = this.GetPrimaryKeyString();
        ForgetDeadNodes();
        var targets = _nodes.ToArray();
        var calls = new Task<bool>[targets.Length];
        if (originFirst)
        {
            var at = Array.FindIndex(targets, t => t.Key == origin);
            calls[at] = DeliverAsync(targets[at].Value, channel, first, events);
            await calls[at];
        }
        for (var i = 0; i < targets.Length; i++)
        {
            calls[i] ??= DeliverAsync(targets[i].Value, channel, first, events);
        }
        var taken = await Task.WhenAll(calls);
        for (var i = 0; i < targets.Length; i++)
        {
            if (!taken[i] && _nodes.TryGetValue(targets[i].Key, out var o) && o.Equals(targets[i].Value))
            {
                // Not persisted (no write per event): a reactivation would fan out to it again, harmlessly.
                _nodes.Remove(targets[i].Key);
                _restored.Remove(targets[i].Key);
                LogNodeDropped(logger, targets[i].Key, channel, _seq);
                _ = TellDroppedAsync(targets[i].Value, channel, NodeTimeout);
            }
        }
        return first;
    }

    /// <summary>
    /// Tells a node dropped from the fan-out (it did not take an event in time) that it was, so
    /// it subscribes again and takes a peer's snapshot instead of waiting, unknowing, for events
    /// that no longer come (gap repair). Not awaited by the fan-out; a node that does not
    /// answer this either is dead or learns it at its next command (refused: -1).
    /// </summary>
    private static async Task TellDroppedAsync(INodeObserver node, string channel, TimeSpan timeout)
    {
        try
        {
            await node.DroppedAsync(channel).WaitAsync(timeout);
        }
        catch (Exception ex) when (ex is TimeoutException or OrleansException or OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// Writes the subscribed nodes (or deletes the row when none is left). A write refused by the
    /// version check (another activation wrote meanwhile: it should not happen with the
    /// distributed directory) is made again over the row read back; any other failure (the
    /// database is away) is logged: the channel goes on, only a reactivation would not know
    /// the nodes.
    /// </summary>
    private async Task SaveNodesAsync()
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                if (_nodes.Count == 0)
                {
                    state.State.Nodes = [];
                    await state.ClearStateAsync();
                }
                else
                {
                    state.State.Nodes = new Dictionary<string, INodeObserver>(_nodes);
                    await state.WriteStateAsync();
                }
                return;
            }
            catch (InconsistentStateException) when (attempt == 0)
            {
                await state.ReadStateAsync();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogSaveFailed(logger, ex, this.GetPrimaryKeyString());
                return;
            }
        }
    }

    /// <summary>Nodes membership has declared dead get nothing more (a call to one would fail anyway, after a wait).</summary>
    private void ForgetDeadNodes()
    {
        foreach (var node in _nodes.Keys.ToArray())
        {
            if (membership.CurrentSnapshot.GetSiloStatus(SiloAddress.FromParsableString(node)) == SiloStatus.Dead)
            {
                _nodes.Remove(node);
                _restored.Remove(node);
            }
        }
    }

    /// <summary>
    /// Dead in membership, or restarted since (a newer generation at its address): a persisted
    /// node that will never take an event. A node unknown here yet is kept (it may have just joined).
    /// </summary>
    private bool IsGone(string node)
    {
        var address = SiloAddress.FromParsableString(node);
        var snapshot = membership.CurrentSnapshot;
        return snapshot.GetSiloStatus(address) switch
        {
            SiloStatus.Dead => true,
            SiloStatus.None => snapshot.Members.Keys.Any(m => m.Endpoint.Equals(address.Endpoint) && m.Generation > address.Generation),
            _ => false,
        };
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

    private async Task<bool> DeliverAsync(INodeObserver node, string channel, long firstSeq, ChannelEvent[] events)
    {
        try
        {
            // One timeout per call, whatever the batch's size: a node's apply of a batch is one
            // pass under its replica's lock and one history commit, not one per event.
            await node.ChannelEventsAsync(channel, Epoch, firstSeq, events).WaitAsync(NodeTimeout);
            return true;
        }
        catch (Exception ex) when (ex is TimeoutException or OrleansException or OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = 9101, Level = LogLevel.Warning, Message = "node {Node} did not take event {Seq} of {Channel} in time: dropped from the channel's fan-out")]
    private static partial void LogNodeDropped(ILogger logger, string node, string channel, long seq);

    [LoggerMessage(EventId = 9104, Level = LogLevel.Information, Message = "channel grain {Channel} came back with {Nodes} of its {Stored} subscribed nodes")]
    private static partial void LogRestored(ILogger logger, string channel, int nodes, int stored);

    [LoggerMessage(EventId = 9105, Level = LogLevel.Warning, Message = "saving the nodes of channel {Channel} failed")]
    private static partial void LogSaveFailed(ILogger logger, Exception ex, string channel);
}
