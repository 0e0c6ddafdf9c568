namespace Parley.Cluster.Grains;

/// <summary>
/// One for the cluster (key 0): every node's observer, so a node can ask all the others
/// (LUSERS' network-wide counts). Persisted, so it survives the node hosting it; entries of
/// nodes that membership has declared dead are dropped when the next node registers.
/// </summary>
public interface INodeDirectoryGrain : IGrainWithIntegerKey
{
    /// <summary>Adds or replaces <paramref name="node"/>'s observer (a node, once it runs).</summary>
    Task RegisterAsync(NodeEntry node);

    /// <summary>The registered nodes whose node membership has not declared dead.</summary>
    Task<NodeEntry[]> GetAsync();
}

/// <summary>A node (its silo address, unique per start) and its observer.</summary>
[GenerateSerializer, Immutable]
public sealed record NodeEntry([property: Id(0)] string Node, [property: Id(1)] INodeObserver Observer);
