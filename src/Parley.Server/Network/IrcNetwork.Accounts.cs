using Parley.Server.Sessions;

namespace Parley.Server.Network;

// Login state: which account a user is logged in to, and account-notify.
// https://ircv3.net/specs/extensions/account-notify
public sealed partial class IrcNetwork
{
    /// <summary>
    /// Logs <paramref name="user"/> in to <paramref name="account"/> (its display name), or out
    /// with null. For a registered user, channel members and extended-monitor watchers with
    /// account-notify see <c>:nick!user@host ACCOUNT account</c> (<c>ACCOUNT *</c> on logout),
    /// and so does the user itself through <paramref name="replies"/> if it has the capability
    /// (as Ergo). Before registration nobody else can see the user, so nothing is sent.
    /// </summary>
    /// <returns>False when the user already had that account (nothing changed).</returns>
    public bool SetAccount(IrcUser user, string? account, ReplyBuffer? replies)
    {
        lock (_gate)
        {
            if (string.Equals(user.Account, account, StringComparison.Ordinal))
            {
                return false;
            }
            var previous = user.Account;
            user.Account = account;
            if (user.Nick != "*" && _nicks.TryGetValue(user.Nick, out var holder) && holder == user)
            {
                // In a cluster the nick grain knows its holder's account (a connection of that
                // account on another node may attach to the nick): claimed again, in order.
                Link?.NickTaken(user.Nick, user.Id, account);
            }
            // Always-on belongs to an account: settled again after the next login.
            user.AlwaysOn = false;
            if (account is not null)
            {
                if (!_accountSessions.TryGetValue(CaseMapping.Fold(account), out var set))
                {
                    _accountSessions[CaseMapping.Fold(account)] = set = [];
                }
                set.Add(user);
            }
            if (!user.IsRegistered)
            {
                return true;
            }
            var message = new OutboundMessage(user.Prefix, "ACCOUNT", account ?? "*") { Time = NowTag(), Account = account };
            var recipients = new HashSet<IrcUser>();
            foreach (var other in CommonUsers(user))
            {
                if (other.Sink.Caps.HasFlag(Capability.AccountNotify))
                {
                    recipients.Add(other);
                }
            }
            recipients.UnionWith(MonitorWatchersLocked(user, Capability.AccountNotify));
            // The account's other users (when multiclient is off, or connections that kept their
            // own nicks) hear of a login to it or a logout from it, channels shared or not.
            foreach (var sibling in AccountSessionsLocked(account ?? previous))
            {
                if (sibling != user && sibling.Sink.Caps.HasFlag(Capability.AccountNotify))
                {
                    recipients.Add(sibling);
                }
            }
            foreach (var other in recipients)
            {
                other.Sink.Deliver(message, Capability.AccountNotify);
            }
            if (replies is not null && ActorCaps(user, replies).HasFlag(Capability.AccountNotify))
            {
                replies.Add(message);
            }
            EchoToOtherSessionsLocked(user, replies, message, Capability.AccountNotify);
            return true;
        }
    }

    /// <summary>Whether <paramref name="nick"/> is held by a user other than <paramref name="user"/> (registered or not).</summary>
    public bool IsNickHeldByOther(IrcUser user, string nick)
    {
        lock (_gate)
        {
            return _nicks.TryGetValue(nick, out var holder) && holder != user;
        }
    }

    // Nick ownership: users holding a registered account's nick without being logged in to it,
    // with the time they must log in by. Written under _gate.
    private readonly Dictionary<IrcUser, (string Nick, DateTimeOffset Deadline)> _nickClaims = [];

    /// <summary>
    /// Starts the clock on <paramref name="user"/>, who holds <paramref name="nick"/> (an
    /// account's name) without being logged in to it: at <paramref name="deadline"/> the
    /// sweeper renames them (<see cref="EnforceNickClaims"/>).
    /// </summary>
    /// <returns>False when that no longer applies (the nick changed, or they logged in to it).</returns>
    public bool ClaimNick(IrcUser user, string nick, DateTimeOffset deadline)
    {
        lock (_gate)
        {
            if (!_users.Contains(user) || !user.IsRegistered || user.Nick != nick || OwnsNick(user))
            {
                return false;
            }
            _nickClaims[user] = (nick, deadline);
            return true;
        }
    }

    /// <summary>
    /// Renames to a guest nick everyone whose time to log in has run out and who still holds
    /// the nick without its account (Ergo's "timeout" enforcement). Called by the sweeper.
    /// </summary>
    public void EnforceNickClaims()
    {
        lock (_gate)
        {
            if (_nickClaims.Count == 0)
            {
                return;
            }
            var now = Now;
            List<IrcUser>? due = null;
            foreach (var (user, claim) in _nickClaims)
            {
                if (claim.Deadline <= now || !_users.Contains(user))
                {
                    (due ??= []).Add(user);
                }
            }
            foreach (var user in due ?? [])
            {
                var claim = _nickClaims[user];
                _nickClaims.Remove(user);
                if (!_users.Contains(user) || !user.IsRegistered || user.Nick != claim.Nick || OwnsNick(user))
                {
                    continue;
                }
                var guest = NewGuestNick();
                var echo = new ReplyBuffer();
                if (ChangeNick(user, guest, echo) != NickResult.Ok)
                {
                    continue;
                }
                // In a cluster the guest nick is claimed too, after the fact (no await here).
                Link?.NickTaken(guest, user.Id, user.Account);
                user.Sink.Deliver(new OutboundMessage(NickServPrefix, "NOTICE", claim.Nick,
                    $"{claim.Nick} is a registered account and you did not log in to it in time; your nick is now {guest}.") { Time = NowTag() });
                foreach (var (message, _) in echo.Items)
                {
                    user.Sink.Deliver(message);
                }
            }
        }
    }

    /// <summary>NickServ's source, for the notices Network sends itself.</summary>
    internal const string NickServPrefix = "NickServ!NickServ@services.";

    // Logged in to the account named like the nick.
    private bool OwnsNick(IrcUser user) => user.Account is { } account && CaseMapping.Equals(account, user.Nick);

    // Guest + five digits, free at the moment (under _gate).
    private string NewGuestNick()
    {
        while (true)
        {
            var nick = "Guest" + Random.Shared.Next(10000, 100000).ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!_nicks.ContainsKey(nick))
            {
                return nick;
            }
        }
    }

    // The users logged in to each account (folded name). Entries of users who disconnected or
    // logged out are dropped when met (AccountSessionsLocked), so Disconnect needs no hook.
    private readonly Dictionary<string, HashSet<IrcUser>> _accountSessions = new(StringComparer.Ordinal);

    // The connected users logged in to account, pruning stale entries (under _gate).
    private List<IrcUser> AccountSessionsLocked(string? account)
    {
        if (account is null || !_accountSessions.TryGetValue(CaseMapping.Fold(account), out var set))
        {
            return [];
        }
        set.RemoveWhere(u => !_users.Contains(u) || u.Account is not { } a || !CaseMapping.Equals(a, account));
        if (set.Count == 0)
        {
            _accountSessions.Remove(CaseMapping.Fold(account));
        }
        return [.. set];
    }

    /// <summary>The nicks of the connections logged in to <paramref name="account"/> (NickServ INFO).</summary>
    public List<string> AccountNicks(string account)
    {
        lock (_gate)
        {
            return AccountSessionsLocked(account).Where(u => u.IsRegistered).Select(u => u.Nick).ToList();
        }
    }

    /// <summary>
    /// Logs every connection but <paramref name="except"/> out of <paramref name="account"/>
    /// (it was dropped): each gets a NickServ notice, 901, and ACCOUNT * as with LOGOUT.
    /// </summary>
    public int LogoutEverywhere(string account, IrcUser? except, string notice)
    {
        lock (_gate)
        {
            var users = AccountSessionsLocked(account).Where(u => u != except).ToList();
            foreach (var u in users)
            {
                var echo = new ReplyBuffer();
                SetAccount(u, null, echo);
                u.Sink.Deliver(new OutboundMessage(NickServPrefix, "NOTICE", u.Nick, notice) { Time = NowTag() });
                u.Sink.Deliver(FromServer(Protocol.Numerics.RPL_LOGGEDOUT, u.Nick, u.Prefix, "You are now logged out"));
                foreach (var (message, _) in echo.Items)
                {
                    u.Sink.Deliver(message);
                }
            }
            return users.Count;
        }
    }
}
