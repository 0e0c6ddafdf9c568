namespace Parley.Cluster.Grains;

/// <summary>See <see cref="INodeDirectoryGrain"/>. Not reentrant: one registration at a time.</summary>
public sealed class NodeDirectoryGrain(
    [PersistentState("nodes", ClusterHost.GrainStorage)] IPersistentState<NodeDirectoryState> state,
    IClusterMembershipService membership) : Grain, INodeDirectoryGrain
{
    public async Task RegisterAsync(NodeEntry node)
    {
        var snapshot = membership.CurrentSnapshot;
        var nodes = state.State.Nodes
            .Where(n => n.Node != node.Node && !IsGone(snapshot, n))
            .Append(node)
            .ToList();
        state.State.Nodes = nodes;
        await state.WriteStateAsync();
    }

    public Task<NodeEntry[]> GetAsync()
    {
        var snapshot = membership.CurrentSnapshot;
        return Task.FromResult(state.State.Nodes
            .Where(n => !IsGone(snapshot, n))
            .ToArray());
    }

    /// <summary>Declared dead, or restarted since (a newer generation at its address). A node just joined may be unknown here yet: kept.</summary>
    private static bool IsGone(ClusterMembershipSnapshot snapshot, NodeEntry entry)
    {
        var address = SiloAddress.FromParsableString(entry.Node);
        return snapshot.GetSiloStatus(address) switch
        {
            SiloStatus.Dead => true,
            SiloStatus.None => snapshot.Members.Keys.Any(m => m.Endpoint.Equals(address.Endpoint) && m.Generation > address.Generation),
            _ => false,
        };
    }
}
