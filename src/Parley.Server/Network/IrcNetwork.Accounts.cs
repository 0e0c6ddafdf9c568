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
            user.Account = account;
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
            foreach (var other in recipients)
            {
                other.Sink.Deliver(message);
            }
            if (replies is not null && user.Sink.Caps.HasFlag(Capability.AccountNotify))
            {
                replies.Add(message);
            }
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
}
