namespace Parley.Cluster.Grains;

/// <summary>
/// A channel grain's persisted state: the nodes subscribed to it, with their observers. Written
/// when a node subscribes or unsubscribes, never per event, so a grain lost with its node comes
/// back knowing whom to fan out to (docs/DEVELOPING.md, "Channels across nodes").
/// </summary>
[GenerateSerializer]
public sealed class ChannelNodesState
{
    [Id(0)]
    public Dictionary<string, INodeObserver> Nodes { get; set; } = [];
}
