using Microsoft.Extensions.Logging;
using Parley.Cluster.Grains;

namespace Parley.Cluster;

// Multiclient across nodes (issue 9): one account's users on several nodes. The nick grain
// decides who holds the nick; the account grain keeps the account's sessions (one per node) and
// which of them is the primary, whose (node, id) is the account's member identity in channels;
// each node keeps the list it was last told for each local user of such an account. See
// docs/cluster.md, "One account on several nodes".
public sealed partial class ClusterLink
{
    /// <summary>For each local user whose account has sessions on other nodes: the account (folded) and its sessions, primary first, as the account grain last told.</summary>
    private readonly Dictionary<long, (string Account, AccountSession[] Sessions)> _accountSessions = [];

    private IAccountGrain AccountGrain(string account) => grains.GetGrain<IAccountGrain>(Network.CaseMapping.Fold(account));

    /// <summary>The account sessions of the local user <paramref name="userId"/>, or null if it has none elsewhere (or the grain has not said yet).</summary>
    private AccountSession[]? AccountSessionsOf(long userId)
    {
        lock (_gate)
        {
            return _accountSessions.TryGetValue(userId, out var entry) ? entry.Sessions : null;
        }
    }

    public async ValueTask<(string Node, long UserId)?> JoinAccountSessionsAsync(long userId, string nick, string account, CancellationToken cancellationToken = default)
    {
        var holders = await NickGrain(nick).GetHoldersAsync();
        var me = new AccountSession(_node, userId, nick, Observer);
        AccountSession[] present = [.. holders
            .Where(h => h.Node != _node || h.UserId != userId)
            .Select(h => new AccountSession(h.Node, h.UserId, h.Nick, h.Observer))];
        var sessions = await AccountGrain(account).JoinAsync(present, me);
        var primary = sessions[0];
        return primary.Node == _node && primary.UserId == userId ? null : (primary.Node, primary.UserId);
    }

    public async ValueTask ShareAccountChannelsAsync(long userId, string primaryNode, long primaryId, CancellationToken cancellationToken = default)
    {
        if (!Network.BecomeProxy(userId, primaryNode, primaryId))
        {
            return;
        }
        var primary = await AccountPrimaryObserverAsync(userId, primaryNode);
        if (primary is null)
        {
            return;
        }
        // Each replica installed makes this node's user the member the snapshot names by the primary's (node, id).
        foreach (var channel in await primary.UserChannelsAsync(primaryId))
        {
            try
            {
                await EnsureSubscribedAsync(Network.CaseMapping.Fold(channel), channel, resume: false);
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                LogShareFailed(logger, ex, channel);
            }
        }
    }

    /// <summary>The observer of the primary's node, from the sessions the account grain told this node.</summary>
    private async Task<INodeObserver?> AccountPrimaryObserverAsync(long userId, string primaryNode)
    {
        if (AccountSessionsOf(userId) is { } sessions && sessions.FirstOrDefault(x => x.Node == primaryNode) is { } known)
        {
            return known.Observer;
        }
        var nodes = await grains.GetGrain<INodeDirectoryGrain>(0).GetAsync();
        return nodes.FirstOrDefault(n => n.Node == primaryNode)?.Observer;
    }

    public async ValueTask HoldChannelElsewhereAsync(long userId, string channel, bool hold, CancellationToken cancellationToken = default)
    {
        if (AccountSessionsOf(userId) is not { } sessions)
        {
            return;
        }
        await Task.WhenAll(sessions.Where(x => x.Node != _node).Select(async x =>
        {
            try
            {
                await x.Observer.HoldChannelForAccountAsync(channel, hold).WaitAsync(AccountCallTimeout, cancellationToken);
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                LogShareFailed(logger, ex, channel);
            }
        }));
    }

    /// <summary>How long a node of the account may take to subscribe to a channel its user is joining (a node dying but not yet declared dead would hold the JOIN).</summary>
    private static readonly TimeSpan AccountCallTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Another node's user of a local user's account joins <paramref name="channel"/>: this node holds its replica meanwhile (<see cref="INodeObserver.HoldChannelForAccountAsync"/>).</summary>
    private async Task HoldChannelHereAsync(string channel, bool hold)
    {
        if (!hold)
        {
            Network.HoldReplica(channel, hold: false);
            return;
        }
        Network.HoldReplica(channel, hold: true);
        try
        {
            await EnsureSubscribedAsync(Network.CaseMapping.Fold(channel), channel, resume: false);
        }
        catch
        {
            Network.HoldReplica(channel, hold: false);
            throw;
        }
    }

    /// <summary>The account grain's list for the local user <paramref name="userId"/> (<see cref="INodeObserver.AccountSessionsAsync"/>).</summary>
    private void OnAccountSessions(string account, long userId, AccountSession[] sessions)
    {
        var others = sessions.Where(x => x.Node != _node).ToList();
        lock (_gate)
        {
            if (others.Count == 0)
            {
                _accountSessions.Remove(userId);
            }
            else
            {
                _accountSessions[userId] = (account, sessions);
            }
        }
        (string, long)? successor = others.Count > 0 ? (others[0].Node, others[0].UserId) : null;
        Network.SetAccountSessions(userId, others.Count > 0, successor);
    }

    public void AccountSessionEnded(string account, long userId)
    {
        var grain = AccountGrain(account);
        lock (_gate)
        {
            _accountSessions.Remove(userId);
            _releases = LeaveAccountAfterAsync(_releases, grain, userId, account);
        }
    }

    private async Task LeaveAccountAfterAsync(Task previous, IAccountGrain grain, long userId, string account)
    {
        await Task.Yield();
        await previous;
        try
        {
            await grain.LeaveAsync(_node, userId);
        }
        catch (Exception ex)
        {
            LogAccountLeaveFailed(logger, ex, account);
        }
    }

    /// <summary>A node died: the accounts with a session there and one here drop it (each of their nodes is told the new list).</summary>
    private async Task RefreshAccountsAsync(string deadNode)
    {
        List<string> accounts;
        lock (_gate)
        {
            accounts = [.. _accountSessions.Values.Where(e => e.Sessions.Any(x => x.Node == deadNode)).Select(e => e.Account).Distinct(StringComparer.Ordinal)];
        }
        foreach (var account in accounts)
        {
            try
            {
                await grains.GetGrain<IAccountGrain>(account).RefreshAsync();
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                LogAccountLeaveFailed(logger, ex, account);
            }
        }
    }

    [LoggerMessage(EventId = 9026, Level = LogLevel.Warning, Message = "showing the account's channel {Channel} on this node failed (multiclient across nodes)")]
    private static partial void LogShareFailed(ILogger logger, Exception ex, string channel);

    [LoggerMessage(EventId = 9027, Level = LogLevel.Warning, Message = "telling the account grain of {Account} that a session left failed")]
    private static partial void LogAccountLeaveFailed(ILogger logger, Exception ex, string account);
}
