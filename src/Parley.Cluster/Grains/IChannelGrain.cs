namespace Parley.Cluster.Grains;

/// <summary>
/// One per channel, keyed by the folded channel name: the channel's one serialization point
/// across the cluster (ARCHITECTURE.md rule 4). Every event gets the channel's next sequence
/// number and is fanned out once per subscribed node, awaited, before the next event is taken.
/// </summary>
public interface IChannelGrain : IGrainWithStringKey
{
    /// <summary>
    /// Subscribes <paramref name="node"/> (again: replaces its observer). Returns the sequence
    /// number of the last event before the subscription: the node's first event is the next one.
    /// </summary>
    Task<long> SubscribeAsync(string node, INodeObserver observer);

    /// <summary>The node gets no more events (its last local member left).</summary>
    Task UnsubscribeAsync(string node);

    /// <summary>
    /// Sequences <paramref name="e"/> and delivers it to every subscribed node; completes when
    /// each has taken it (or was dropped for not answering in time). Returns its number.
    /// </summary>
    Task<long> PublishAsync(ChannelEvent e);

    /// <summary>The nodes subscribed now.</summary>
    Task<string[]> GetNodesAsync();
}
