namespace Parley.Cluster.Grains;

/// <summary>
/// See <see cref="INickGrain"/>. Not reentrant (Orleans' default): one call at a time, so a
/// claim and a release never interleave. The holder is kept in memory only; while a nick is
/// held the grain is kept active (an idle grain would otherwise be collected and forget it).
/// </summary>
/// <remarks>
/// Not done yet (issue 9): when the node holding a nick dies, its holders are not yet
/// cleared; when the node hosting this grain dies, the holder is lost until the holder's node
/// claims again. Both come with the membership handling.
/// </remarks>
public sealed class NickGrain : Grain, INickGrain
{
    /// <summary>How long a held nick's grain stays active without calls: "as long as it is held".</summary>
    private static readonly TimeSpan HeldLifetime = TimeSpan.FromDays(365);

    private NickHolder? _holder;

    public Task<bool> ClaimAsync(NickHolder claimant)
    {
        if (_holder is not null && (_holder.Node != claimant.Node || _holder.UserId != claimant.UserId))
        {
            return Task.FromResult(false);
        }
        _holder = claimant;
        DelayDeactivation(HeldLifetime);
        return Task.FromResult(true);
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

    public Task<NickHolder?> GetAsync() => Task.FromResult(_holder);
}
