namespace Parley.Cluster.Grains;

/// <summary>
/// One per channel, keyed by the folded channel name: the channel's one serialization point
/// across the cluster (ARCHITECTURE.md rule 4). Every event gets the channel's next sequence
/// number and is fanned out once per subscribed node, awaited, before the next event is taken.
/// </summary>
public interface IChannelGrain : IGrainWithStringKey
{
    /// <summary>
    /// Subscribes <paramref name="node"/> (again: replaces its observer). Returns the grain's
    /// epoch and the sequence number of the last event before the subscription (the node's
    /// first event is the next one) and, if another node is subscribed, that node's replica of
    /// the channel as of that event (<see cref="INodeObserver.SnapshotAsync"/>). The nodes are
    /// persisted: a grain activated again (its node died) knows them, in a new epoch.
    /// </summary>
    /// <param name="resume">
    /// If the node is subscribed already, change nothing and send no snapshot
    /// (<see cref="SubscribeResult.Kept"/>: a node checking, after another's death, that the grain
    /// still knows it); but a node the grain knows only from storage, coming back after another
    /// such node did, takes that one's snapshot, so the survivors agree.
    /// </param>
    Task<SubscribeResult> SubscribeAsync(string node, INodeObserver observer, bool resume = false);

    /// <summary>The node gets no more events (its last local member left).</summary>
    Task UnsubscribeAsync(string node);

    /// <summary>
    /// Sequences <paramref name="e"/> and delivers it to every subscribed node; completes when
    /// each has taken it (or was dropped for not answering in time). Returns its number. A
    /// command its origin must apply (<see cref="ChannelCommandWire.OriginApplies"/>) goes to
    /// the origin first, then to the others (so the origin, which stores it in history, has
    /// stored it before anyone else delivers it); -1, not sequenced, when the origin is not
    /// subscribed (it was dropped, or the grain came back without it: subscribe again).
    /// </summary>
    Task<long> PublishAsync(ChannelEvent e);

    /// <summary>
    /// <see cref="PublishAsync"/> for several events of one origin at once (a node's commands to
    /// the channel that queued while its previous call was on its way): they get consecutive
    /// numbers, in the array's order, and go to each node as one call (the origin first, then
    /// the others in parallel, as one event does), so the chain of calls is paid once per batch.
    /// Returns the first event's number, or -1 (none sequenced) as <see cref="PublishAsync"/>.
    /// </summary>
    Task<long> PublishBatchAsync(ChannelEvent[] events);

    /// <summary>
    /// The channel as a subscribed node's replica has it, between two events (for a node that
    /// holds none: NAMES, WHO, TOPIC of a channel none of its users is on). Not held: no node
    /// holds a replica (no such channel); a null snapshot: the channel has no members.
    /// </summary>
    Task<SnapshotReply> QueryAsync();

    /// <summary>The nodes subscribed now.</summary>
    Task<string[]> GetNodesAsync();
}
