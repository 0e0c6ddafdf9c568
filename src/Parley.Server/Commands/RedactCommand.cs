using Parley.Server.Network;
using Parley.Server.Sessions;
using Parley.Protocol;
using Parley.Server.Storage;

namespace Parley.Server.Commands;

/// <summary>
/// draft/message-redaction: a user removes a message of theirs, or a channel operator anyone's
/// in their channel. The message leaves history (every copy), and those who saw it and have the
/// capability get REDACT. https://ircv3.net/specs/extensions/message-redaction
/// </summary>
internal static class RedactCommand
{
    // REDACT <target> <msgid> [:<reason>]
    public static async ValueTask HandleAsync(Session s, IrcMessage m)
    {
        var target = m.Parameters[0];
        var msgid = m.Parameters[1];
        var reason = m.Param(2);
        var store = s.Server.History;
        if (store is null)
        {
            s.Numeric(Numerics.ERR_UNKNOWNCOMMAND, "REDACT", "Unknown command");
            return;
        }
        if (!ChatHistoryCommands.IsTargetName(s, target))
        {
            s.Fail("REDACT", "INVALID_TARGET", ChatHistoryCommands.Echo(target), "You cannot redact messages there");
            return;
        }
        var isChannel = ChannelNames.IsChannel(target);
        if (isChannel && s.Network.CheckRedact(s.User, target, own: true) == RedactStatus.InvalidTarget)
        {
            s.Fail("REDACT", "INVALID_TARGET", target, "You cannot redact messages there");
            return;
        }
        var key = isChannel
            ? s.Network.ChannelHistoryTarget(target)
            : HistoryTargets.Direct(s.Network.HistoryOwner(s.User), s.Network.CaseMapping.Fold(target));
        var record = await store.GetAsync(key, msgid);
        if (record is null)
        {
            s.Fail("REDACT", "UNKNOWN_MSGID", target, ChatHistoryCommands.Echo(msgid), "This message does not exist or is too old");
            return;
        }
        // Own: sent from the same account, or, without accounts, from the same nick!user@host.
        var own = record.Account is not null
            ? s.User.Account is not null && s.Network.CaseMapping.Equals(record.Account, s.User.Account)
            : string.Equals(record.Source, s.User.Prefix, StringComparison.Ordinal);
        var allowed = isChannel ? s.Network.CheckRedact(s.User, target, own) : (own ? RedactStatus.Ok : RedactStatus.Forbidden);
        if (allowed != RedactStatus.Ok)
        {
            if (allowed == RedactStatus.InvalidTarget)
            {
                s.Fail("REDACT", "INVALID_TARGET", target, "You cannot redact messages there");
            }
            else
            {
                s.Fail("REDACT", "REDACT_FORBIDDEN", target, msgid, "You may not redact this message");
            }
            return;
        }
        if (s.Network.Link is null || !isChannel)
        {
            await store.DeleteAsync(msgid);
            await s.Network.RelayRedactAsync(s.User, target, msgid, reason, s.Replies);
            return;
        }
        // A cluster: through the channel's grain first, so a REDACT that cannot go through now
        // deletes nothing (its client is told, and may try again).
        if (!await s.Network.RelayRedactAsync(s.User, target, msgid, reason, s.Replies))
        {
            ChannelUnavailable.Fail(s, "REDACT", target, msgid);
            return;
        }
        await store.DeleteAsync(msgid);
    }
}
