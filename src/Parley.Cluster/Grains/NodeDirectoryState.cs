namespace Parley.Cluster.Grains;

/// <summary>The node directory's persisted state: the registered nodes.</summary>
[GenerateSerializer]
public sealed class NodeDirectoryState
{
    [Id(0)]
    public List<NodeEntry> Nodes { get; set; } = [];
}
