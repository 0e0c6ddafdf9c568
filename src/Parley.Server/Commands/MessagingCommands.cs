using Parley.Protocol;
using Parley.Server.Network;
using Parley.Server.Sessions;

namespace Parley.Server.Commands;

/// <summary>PRIVMSG, NOTICE and TAGMSG. https://modern.ircdocs.horse/#privmsg-message</summary>
internal static class MessagingCommands
{
    public static void Register(CommandTable t)
    {
        t.Add(new("PRIVMSG", (s, m) => SendAsync(s, m, "PRIVMSG")));
        t.Add(new("NOTICE", (s, m) => SendAsync(s, m, "NOTICE")));
        t.Add(new("TAGMSG", (s, m) => SendAsync(s, m, "TAGMSG"), MinParams: 1));
        // draft/multiline: one PRIVMSG or NOTICE of several lines.
        t.Add(new("BATCH", BatchCommand.HandleAsync, MinParams: 1));
    }

    // PRIVMSG <target>{,<target>} <text to be sent>
    // NOTICE <target>{,<target>} <text to be sent>
    // TAGMSG <target>{,<target>}   https://ircv3.net/specs/extensions/message-tags#the-tagmsg-tag-only-message
    private static ValueTask SendAsync(Session s, IrcMessage m, string verb)
    {
        var isNotice = verb == "NOTICE";
        var isTagmsg = verb == "TAGMSG";
        if (m.HasTag("batch"))
        {
            // The lines of an open batch never get here (the read loop collects them).
            BatchCommand.RejectStray(s);
            return ValueTask.CompletedTask;
        }
        if (m.Parameters.Count == 0 || m.Parameters[0].Length == 0)
        {
            if (!isNotice)
            {
                s.Numeric(Numerics.ERR_NORECIPIENT, $"No recipient given ({verb})");
            }
            return ValueTask.CompletedTask;
        }
        if (!isTagmsg && (m.Parameters.Count < 2 || m.Parameters[1].Length == 0))
        {
            if (!isNotice)
            {
                s.Numeric(Numerics.ERR_NOTEXTTOSEND, "No text to send");
            }
            return ValueTask.CompletedTask;
        }

        if (!isTagmsg && NickServ.IsTarget(s, m.Parameters[0]))
        {
            // Services are not delivered to: NickServ answers, and nobody else sees the line.
            return isNotice ? ValueTask.CompletedTask : NickServ.HandleAsync(s, m.Parameters[1]);
        }

        var clientTags = ClientTags(m);
        var targets = m.Parameters[0].Split(',', StringSplitOptions.RemoveEmptyEntries);
        var max = s.Server.Options.Limits.MaxTargets;
        if (targets.Length > max)
        {
            s.Numeric(Numerics.ERR_TOOMANYTARGETS, m.Parameters[0], $"Too many targets (at most {max})");
            return ValueTask.CompletedTask;
        }
        if (!isTagmsg)
        {
            s.User.LastActiveAt = s.Network.Now;
        }
        var echo = s.Has(Capability.EchoMessage);
        var required = isTagmsg ? Capability.MessageTags : Capability.None;
        foreach (var target in targets)
        {
            var parameters = isTagmsg ? new[] { target } : new[] { target, m.Parameters[1] };
            var message = new OutboundMessage(s.User.Prefix, verb, parameters)
            {
                Time = s.Network.NowTag(),
                MsgId = s.Network.NewMsgId(),
                Account = s.User.Account,
                Bot = s.User.IsBot,
                ClientTags = clientTags,
            };
            Deliver(s, target, message, echo, required, isNotice);
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>Delivers one message (a line or a multiline message) to one target (a nick, a channel, or @#channel / +#channel).</summary>
    internal static void Deliver(Session s, string target, RelayedMessage message, bool echo, Capability required, bool quiet)
    {
        var status = MemberStatus.None;
        var channelName = target;
        while (channelName.Length > 1 && MemberPrefixes.FromPrefixChar(channelName[0]) is var p && p != MemberStatus.None)
        {
            status = status == MemberStatus.None || p < status ? p : status;
            channelName = channelName[1..];
        }
        if (ChannelNames.IsChannel(channelName))
        {
            var result = s.Network.SendToChannel(s.User, channelName, status, message, s.Replies, echo, required);
            if (quiet)
            {
                return;
            }
            switch (result.Status)
            {
                case SendStatus.NoSuchChannel:
                    s.Numeric(Numerics.ERR_NOSUCHCHANNEL, channelName, "No such channel");
                    break;
                case SendStatus.CannotSend:
                    s.Numeric(Numerics.ERR_CANNOTSENDTOCHAN, result.Target, result.Reason switch
                    {
                        ChannelRules.SendError.NoExternal => "Cannot send to channel (no external messages)",
                        ChannelRules.SendError.Moderated => "Cannot send to channel (+m)",
                        ChannelRules.SendError.Banned => "Cannot send to channel (you're banned)",
                        _ => "Cannot send to channel",
                    });
                    break;
            }
            return;
        }

        var userResult = s.Network.SendToUser(s.User, target, message, s.Replies, echo, required);
        if (quiet)
        {
            return;
        }
        if (userResult.Status == SendStatus.NoSuchNick)
        {
            s.Numeric(Numerics.ERR_NOSUCHNICK, target, "No such nick/channel");
        }
        else if (userResult.AwayMessage is not null && message.Command == "PRIVMSG")
        {
            s.Numeric(Numerics.RPL_AWAY, userResult.Target, userResult.AwayMessage);
        }
    }

    /// <summary>The client-only tags (+tag) of a message, which are relayed; others are the server's to set.</summary>
    internal static IReadOnlyList<IrcTag>? ClientTags(IrcMessage m)
    {
        List<IrcTag>? tags = null;
        foreach (var tag in m.Tags)
        {
            if (tag.IsClientOnly)
            {
                (tags ??= []).Add(tag);
            }
        }
        return tags;
    }
}
