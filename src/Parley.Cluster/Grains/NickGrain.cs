using Orleans.Storage;

namespace Parley.Cluster.Grains;

/// <summary>
/// See <see cref="INickGrain"/>. Not reentrant (Orleans' default): one call at a time, so a
/// claim and a release never interleave.
/// </summary>
/// <remarks>
/// The holder is persisted (grain storage <see cref="StorageName"/> in the cluster's
/// PostgreSQL database) before a claim answers yes, with Orleans' version check: a grain lost
/// with its node comes back knowing its holder, and if two activations of one nick grain ever
/// ran at once (the distributed grain directory should prevent it, see
/// <see cref="ClusterHost"/>), the second writer's claim fails instead of granting the nick
/// twice. A holder on a node that membership has declared dead counts as no holder.
/// </remarks>
public sealed class NickGrain(
    [PersistentState("holder", NickGrain.StorageName)] IPersistentState<NickState> state,
    IClusterMembershipService membership) : Grain, INickGrain
{
    /// <summary>The grain storage provider the holders are kept in.</summary>
    public const string StorageName = "nicks";

    public async Task<bool> ClaimAsync(NickHolder claimant)
    {
        // A second try only when another activation wrote in between (its holder is read back first).
        for (var attempt = 0; ; attempt++)
        {
            var holder = LiveHolder();
            if (holder is not null && (holder.Node != claimant.Node || holder.UserId != claimant.UserId) && await StillHeldAsync(holder))
            {
                return false;
            }
            if (holder == claimant)
            {
                return true;
            }
            state.State.Holder = claimant;
            try
            {
                await state.WriteStateAsync();
                return true;
            }
            catch (InconsistentStateException) when (attempt == 0)
            {
                await state.ReadStateAsync();
            }
        }
    }

    /// <summary>
    /// Asks the holder's node whether its user still holds the nick: its release (sent after
    /// the user quit or changed nick) may still be on its way, or lost. If the node does not
    /// answer, the nick stays held unless membership says that node is gone: never two holders.
    /// </summary>
    private async Task<bool> StillHeldAsync(NickHolder holder)
    {
        try
        {
            return await holder.Observer.HoldsNickAsync(holder.Nick, holder.UserId);
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            // A call to a dead node fails once this node's membership view has it dead. A node
            // absent from membership (a holder persisted by a node long gone: dead nodes' rows
            // are purged after a week) holds nothing either.
            var status = membership.CurrentSnapshot.GetSiloStatus(SiloAddress.FromParsableString(holder.Node));
            return status is not (SiloStatus.Dead or SiloStatus.None);
        }
    }

    public async Task ReleaseAsync(string node, long userId)
    {
        var holder = state.State.Holder;
        if (holder is not null && holder.Node == node && holder.UserId == userId)
        {
            state.State.Holder = null;
            await state.ClearStateAsync();
            DeactivateOnIdle();
        }
    }

    public Task<NickHolder?> GetAsync() => Task.FromResult(LiveHolder());

    /// <summary>The holder, unless membership has declared its node dead (its users are gone).</summary>
    private NickHolder? LiveHolder()
    {
        var holder = state.State.Holder;
        return holder is not null && IsGone(holder) ? null : holder;
    }

    /// <summary>
    /// Dead in membership, or restarted: a node at the same address with a newer generation
    /// is active (the holder was persisted by the node's previous run).
    /// </summary>
    private bool IsGone(NickHolder holder)
    {
        var address = SiloAddress.FromParsableString(holder.Node);
        var snapshot = membership.CurrentSnapshot;
        return snapshot.GetSiloStatus(address) switch
        {
            SiloStatus.Dead => true,
            SiloStatus.None => snapshot.Members.Keys.Any(m => m.Endpoint.Equals(address.Endpoint) && m.Generation > address.Generation),
            _ => false,
        };
    }
}
