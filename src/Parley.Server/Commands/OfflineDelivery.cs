using System.Data.Common;
using System.Globalization;
using Parley.Server.Network;
using Parley.Server.Sessions;

namespace Parley.Server.Commands;

/// <summary>
/// Offline delivery (issue 4 part 6): private messages sent to a registered account while
/// nobody was logged in to it are kept (see <see cref="IrcNetwork.SendToOfflineAccount"/>) and
/// handed over at the next login, once the client is registered: first a NOTICE from NickServ
/// saying how many there are (NickServ, because it is the account service that also confirms
/// the login), then the messages as they were sent, with their original time and msgid.
/// </summary>
internal static class OfflineDelivery
{
    /// <summary>Replays what was kept for the session's account into the current command's replies.</summary>
    public static async ValueTask DeliverAsync(Session s)
    {
        var store = s.Server.History;
        var account = s.User.Account;
        if (store is null || account is null)
        {
            return;
        }
        IReadOnlyList<Storage.HistoryRecord> kept;
        try
        {
            kept = await store.TakePendingAsync(s.Network.CaseMapping.Fold(account));
        }
        catch (DbException ex)
        {
            AccountLogin.ReportStoreFailure(s, ex);
            return;
        }
        if (kept.Count == 0)
        {
            return;
        }
        var n = kept.Count.ToString(CultureInfo.InvariantCulture);
        var text = kept.Count == 1
            ? "You have 1 message that arrived while you were offline."
            : $"You have {n} messages that arrived while you were offline.";
        s.Reply(new OutboundMessage(NickServ.Prefix(s), "NOTICE", s.Nick, text) { Time = s.Network.NowTag() });
        foreach (var record in kept)
        {
            s.Reply(ChatHistoryCommands.ToMessage(record));
        }
    }
}
