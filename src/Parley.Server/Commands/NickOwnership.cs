using System.Data.Common;
using Parley.Server.Network;
using Parley.Server.Sessions;

namespace Parley.Server.Commands;

/// <summary>
/// An account's nick is reserved for it: someone who takes it without being logged in to the
/// account gets a NOTICE from NickServ and <c>Accounts:NickEnforcementSeconds</c> (default 30)
/// to log in, or is renamed to a guest nick by the sweeper (as Ergo's "timeout" enforcement).
/// Taking the nick is allowed; only keeping it is not.
/// </summary>
internal static class NickOwnership
{
    /// <summary>Whether the session's nick or account changed since the last check (cheap: two reference compares).</summary>
    public static bool NeedsCheck(Session s)
    {
        var (nick, account) = s.OwnershipChecked;
        return s.IsRegistered && (!ReferenceEquals(nick, s.Nick) || !ReferenceEquals(account, s.User.Account));
    }

    /// <summary>Looks the nick up among accounts and starts the clock if it is someone else's.</summary>
    public static async ValueTask CheckAsync(Session s)
    {
        var nick = s.Nick;
        var account = s.User.Account;
        s.OwnershipChecked = (nick, account);
        var seconds = s.Server.Options.Accounts.NickEnforcementSeconds;
        if (seconds <= 0 || (account is not null && s.Network.CaseMapping.Equals(account, nick)))
        {
            return;
        }
        Storage.AccountRecord? owner;
        try
        {
            owner = await s.Server.Accounts.GetAsync(nick);
        }
        catch (DbException ex)
        {
            AccountLogin.ReportStoreFailure(s, ex);
            return;
        }
        if (owner is null || !s.Network.ClaimNick(s.User, nick, s.Network.Now + TimeSpan.FromSeconds(seconds)))
        {
            return;
        }
        s.Reply(new OutboundMessage(NickServ.Prefix(s), "NOTICE", nick,
            $"{nick} is a registered account. If it is yours, log in within {seconds} seconds (PRIVMSG NickServ :IDENTIFY <password>), or your nick will be changed.")
        { Time = s.Network.NowTag() });
    }
}
