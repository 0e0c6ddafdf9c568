using Parley.Server.Sessions;

namespace Parley.Server.Network;

public enum RedactStatus
{
    Ok,
    InvalidTarget,
    Forbidden,
}

// draft/message-redaction: relaying REDACT. https://ircv3.net/specs/extensions/message-redaction
public sealed partial class IrcNetwork
{
    /// <summary>
    /// Whether <paramref name="user"/> may redact a message in channel <paramref name="name"/>:
    /// its own (<paramref name="own"/>), or anyone's as a channel operator.
    /// </summary>
    public RedactStatus CheckRedact(IrcUser user, string name, bool own)
    {
        lock (_gate)
        {
            if (!_channels.TryGetValue(name, out var channel) || !channel.Members.ContainsKey(user))
            {
                return RedactStatus.InvalidTarget;
            }
            return own || ChannelRules.IsOperator(channel, user) ? RedactStatus.Ok : RedactStatus.Forbidden;
        }
    }

    /// <summary>
    /// Tells those who saw a message that it was redacted: <c>:user REDACT target msgid [reason]</c>
    /// to every member of the channel (or the other side of a private conversation) that has
    /// draft/message-redaction, the redacter through <paramref name="replies"/>.
    /// </summary>
    public void RelayRedact(IrcUser user, string target, string msgid, string? reason, ReplyBuffer replies)
    {
        lock (_gate)
        {
            string[] parameters = reason is null ? [target, msgid] : [target, msgid, reason];
            var message = new OutboundMessage(user.Prefix, "REDACT", parameters) { Time = NowTag(), Account = user.Account, Bot = user.IsBot };
            IEnumerable<IrcUser> audience;
            if (ChannelNames.IsChannel(target))
            {
                if (!_channels.TryGetValue(target, out var channel))
                {
                    return;
                }
                audience = channel.Members.Keys;
            }
            else
            {
                audience = _nicks.TryGetValue(target, out var other) && other.IsRegistered ? [other] : [];
            }
            foreach (var member in audience)
            {
                if (member != user)
                {
                    member.Sink.Deliver(message, Capability.MessageRedaction);
                }
            }
            if (ActorCaps(user, replies).HasFlag(Capability.MessageRedaction))
            {
                replies.Add(message);
            }
            EchoToOtherSessionsLocked(user, replies, message, Capability.MessageRedaction);
        }
    }
}
