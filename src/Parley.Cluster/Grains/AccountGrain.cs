using Orleans.Storage;

namespace Parley.Cluster.Grains;

/// <summary>
/// See <see cref="IAccountGrain"/>. Not reentrant: one change at a time, so two nodes attaching
/// at once get one order. Persisted as the nick grain is (grain storage
/// <see cref="ClusterHost.GrainStorage"/>, Orleans' version check on each write): a grain lost
/// with its node comes back knowing the sessions, and a second activation's write fails
/// instead of overwriting. A session of a node membership declared dead (or restarted) is
/// dropped at the next call (a survivor calls <see cref="RefreshAsync"/> when it sees a death).
/// </summary>
public sealed class AccountGrain(
    [PersistentState("sessions", ClusterHost.GrainStorage)] IPersistentState<AccountState> state,
    IClusterMembershipService membership) : Grain, IAccountGrain
{
    /// <summary>How long telling one node may take (a node dying but not yet declared dead would hold the grain).</summary>
    private static readonly TimeSpan TellTimeout = TimeSpan.FromSeconds(5);

    public async Task<AccountSession[]> JoinAsync(AccountSession[] present, AccountSession newcomer)
    {
        var sessions = Live();
        // The nick's holders are the account's sessions; the first of them stays primary.
        foreach (var p in present)
        {
            if (!IsGone(p.Node) && !sessions.Exists(s => Same(s, p)))
            {
                sessions.Add(p);
            }
        }
        sessions.RemoveAll(s => Same(s, newcomer));
        sessions.Add(newcomer);
        await SaveAsync(sessions);
        await TellAsync(sessions);
        return [.. sessions];
    }

    public async Task LeaveAsync(string node, long userId)
    {
        var sessions = Live();
        if (sessions.RemoveAll(s => s.Node == node && s.UserId == userId) == 0 && sessions.Count == state.State.Sessions.Count)
        {
            return;
        }
        await SaveAsync(sessions);
        await TellAsync(sessions);
    }

    public async Task RenameAsync(string nick)
    {
        if (state.State.Sessions.Count == 0)
        {
            return;
        }
        await SaveAsync([.. Live().Select(s => s with { Nick = nick })]);
    }

    public async Task<AccountSession[]> RefreshAsync()
    {
        var sessions = Live();
        if (sessions.Count != state.State.Sessions.Count)
        {
            await SaveAsync(sessions);
            await TellAsync(sessions);
        }
        return [.. sessions];
    }

    /// <summary>Writes the sessions (deletes the row when fewer than two are left: nothing is shared then).</summary>
    private async Task SaveAsync(List<AccountSession> sessions)
    {
        var previous = state.State.Sessions;
        try
        {
            state.State.Sessions = sessions;
            if (sessions.Count >= 2)
            {
                await state.WriteStateAsync();
            }
            else if (previous.Count > 0)
            {
                await state.ClearStateAsync();
                state.State.Sessions = sessions;
            }
        }
        catch (InconsistentStateException)
        {
            // Another activation wrote (it should not exist: see ClusterHost's grain directory): its state wins.
            await state.ReadStateAsync();
            throw;
        }
        catch
        {
            state.State.Sessions = previous;
            throw;
        }
    }

    /// <summary>Tells each session's node the list (one session: it is alone now); a node that does not answer is skipped.</summary>
    private async Task TellAsync(List<AccountSession> sessions)
    {
        var account = this.GetPrimaryKeyString();
        AccountSession[] all = [.. sessions];
        await Task.WhenAll(sessions.Select(async s =>
        {
            try
            {
                await s.Observer.AccountSessionsAsync(account, s.UserId, all).WaitAsync(TellTimeout);
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                // Its node is going: its user with it.
            }
        }));
    }

    private static bool Same(AccountSession a, AccountSession b) => a.Node == b.Node && a.UserId == b.UserId;

    private List<AccountSession> Live() => [.. state.State.Sessions.Where(s => !IsGone(s.Node))];

    /// <summary>Dead in membership, or restarted (a newer generation at its address), as the nick grain judges its holders.</summary>
    private bool IsGone(string node)
    {
        var address = SiloAddress.FromParsableString(node);
        var snapshot = membership.CurrentSnapshot;
        return snapshot.GetSiloStatus(address) switch
        {
            SiloStatus.Dead => true,
            SiloStatus.None => snapshot.Members.Keys.Any(m => m.Endpoint.Equals(address.Endpoint) && m.Generation > address.Generation),
            _ => false,
        };
    }
}
