using Orleans.Storage;

namespace Parley.Cluster.Grains;

/// <summary>
/// See <see cref="INickGrain"/>. Not reentrant (Orleans' default): one call at a time, so a
/// claim and a release never interleave.
/// </summary>
/// <remarks>
/// The holders are persisted (grain storage <see cref="ClusterHost.GrainStorage"/> in the cluster's
/// PostgreSQL database) before a claim answers yes, with Orleans' version check: a grain lost
/// with its node comes back knowing its holders, and if two activations of one nick grain ever
/// ran at once (the distributed grain directory should prevent it, see
/// <see cref="ClusterHost"/>), the second writer's claim fails instead of granting the nick
/// twice. A holder on a node that membership has declared dead counts as no holder.
/// </remarks>
public sealed class NickGrain(
    [PersistentState("holder", ClusterHost.GrainStorage)] IPersistentState<NickState> state,
    IClusterMembershipService membership) : Grain, INickGrain
{
    public async Task<bool> ClaimAsync(NickHolder claimant)
    {
        // A second try only when another activation wrote in between (its holders are read back first).
        for (var attempt = 0; ; attempt++)
        {
            var holders = LiveHolders();
            foreach (var holder in holders)
            {
                if (!IsSameUser(holder, claimant) && await StillHeldAsync(holder))
                {
                    return false;
                }
            }
            // Free, or the claimant's own already (a re-claim keeps the other nodes' holders of its account).
            var index = holders.FindIndex(h => IsSameUser(h, claimant));
            List<NickHolder> next = index < 0 ? [claimant] : [.. holders[..index], claimant, .. holders[(index + 1)..]];
            if (next.SequenceEqual(state.State.Holders))
            {
                return true;
            }
            try
            {
                await WriteAsync(next);
                return true;
            }
            catch (InconsistentStateException) when (attempt == 0)
            {
                await state.ReadStateAsync();
            }
        }
    }

    public async Task<bool> AttachAsync(NickHolder claimant)
    {
        if (claimant.Account is null)
        {
            return false;
        }
        for (var attempt = 0; ; attempt++)
        {
            var holders = LiveHolders();
            if (holders.Count == 0)
            {
                // Its last holder left meanwhile: the nick is simply free.
                return await ClaimAsync(claimant);
            }
            if (holders.Any(h => IsSameUser(h, claimant)))
            {
                return true;
            }
            // Another user of the claimant's own node (the node attaches locally), or another account's user.
            if (holders.Any(h => h.Node == claimant.Node || !string.Equals(h.Account, claimant.Account, StringComparison.OrdinalIgnoreCase)))
            {
                return false;
            }
            try
            {
                await WriteAsync([.. holders, claimant]);
            }
            catch (InconsistentStateException) when (attempt == 0)
            {
                await state.ReadStateAsync();
                continue;
            }
            return true;
        }
    }

    public async Task ReleaseAsync(string node, long userId)
    {
        for (var attempt = 0; ; attempt++)
        {
            var current = state.State.Holders;
            if (!current.Any(h => h.Node == node && h.UserId == userId))
            {
                return;
            }
            var remaining = LiveHolders().Where(h => h.Node != node || h.UserId != userId).ToList();
            try
            {
                if (remaining.Count == 0)
                {
                    state.State.Holders = [];
                    await state.ClearStateAsync();
                    DeactivateOnIdle();
                    return;
                }
                await WriteAsync(remaining);
            }
            catch (InconsistentStateException) when (attempt == 0)
            {
                await state.ReadStateAsync();
                continue;
            }
            return;
        }
    }

    public Task<NickHolder?> GetAsync() => Task.FromResult(LiveHolders().FirstOrDefault());

    public Task<NickHolder[]> GetHoldersAsync() => Task.FromResult(LiveHolders().ToArray());

    private async Task WriteAsync(List<NickHolder> holders)
    {
        var previous = state.State.Holders;
        state.State.Holders = holders;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            state.State.Holders = previous;
            throw;
        }
    }

    private static bool IsSameUser(NickHolder a, NickHolder b) => a.Node == b.Node && a.UserId == b.UserId;

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

    /// <summary>The holders, less those whose node membership has declared dead (their users are gone).</summary>
    private List<NickHolder> LiveHolders() => [.. state.State.Holders.Where(h => !IsGone(h))];

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
