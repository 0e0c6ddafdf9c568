namespace Parley.Cluster.Grains;

/// <summary>
/// See <see cref="INickGrain"/>. Not reentrant (Orleans' default): one call at a time, so a
/// claim and a release never interleave. The holder is kept in memory only; while a nick is
/// held the grain is kept active (an idle grain would otherwise be collected and forget it).
/// </summary>
/// <remarks>
/// A holder on a node that membership has declared dead counts as no holder. When the node
/// hosting this grain dies, the grain comes back empty elsewhere, and the holder's node claims
/// its nicks again (<see cref="ClusterLink.ReclaimNicksAsync"/>, on the membership change); a
/// claim from another node in between wins, and the holder's node logs it.
/// </remarks>
public sealed class NickGrain(IClusterMembershipService membership) : Grain, INickGrain
{
    /// <summary>How long a held nick's grain stays active without calls: "as long as it is held".</summary>
    private static readonly TimeSpan HeldLifetime = TimeSpan.FromDays(365);

    private NickHolder? _holder;

    public async Task<bool> ClaimAsync(NickHolder claimant)
    {
        ForgetDeadHolder();
        if (_holder is not null && (_holder.Node != claimant.Node || _holder.UserId != claimant.UserId) && await StillHeldAsync(_holder))
        {
            return false;
        }
        _holder = claimant;
        DelayDeactivation(HeldLifetime);
        return true;
    }

    /// <summary>
    /// Asks the holder's node whether its user still holds the nick: its release (sent after
    /// the user quit or changed nick) may still be on its way, or lost. If the node does not
    /// answer, the nick stays held unless membership has declared that node dead: never two holders.
    /// </summary>
    private async Task<bool> StillHeldAsync(NickHolder holder)
    {
        try
        {
            return await holder.Observer.HoldsNickAsync(holder.Nick, holder.UserId);
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            // A call to a dead node fails once this node's membership view has it dead.
            return !IsDead(holder);
        }
    }

    public Task ReleaseAsync(string node, long userId)
    {
        if (_holder is not null && _holder.Node == node && _holder.UserId == userId)
        {
            _holder = null;
            DeactivateOnIdle();
        }
        return Task.CompletedTask;
    }

    public Task<NickHolder?> GetAsync()
    {
        ForgetDeadHolder();
        return Task.FromResult(_holder);
    }

    /// <summary>A holder whose node membership has declared dead holds nothing any more (its users are gone).</summary>
    private void ForgetDeadHolder()
    {
        if (_holder is not null && IsDead(_holder))
        {
            _holder = null;
        }
    }

    private bool IsDead(NickHolder holder)
        => membership.CurrentSnapshot.GetSiloStatus(SiloAddress.FromParsableString(holder.Node)) == SiloStatus.Dead;
}
