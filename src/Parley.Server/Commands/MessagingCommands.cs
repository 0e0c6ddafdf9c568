using Microsoft.Extensions.Logging;
using Parley.Protocol;
using Parley.Server.Network;
using Parley.Server.Sessions;
using Parley.Server.Storage;

namespace Parley.Server.Commands;

/// <summary>PRIVMSG, NOTICE and TAGMSG. https://modern.ircdocs.horse/#privmsg-message</summary>
internal static class MessagingCommands
{
    public static void Register(CommandTable t)
    {
        t.Add(new("PRIVMSG", (s, m) => SendAsync(s, m, "PRIVMSG"), Pipelined: true));
        t.Add(new("NOTICE", (s, m) => SendAsync(s, m, "NOTICE"), Pipelined: true));
        // draft/message-redaction.
        t.Add(new("REDACT", RedactCommand.HandleAsync, MinParams: 2));
        t.Add(new("TAGMSG", (s, m) => SendAsync(s, m, "TAGMSG"), MinParams: 1, Pipelined: true));
        // draft/multiline: one PRIVMSG or NOTICE of several lines.
        t.Add(new("BATCH", BatchCommand.HandleAsync, MinParams: 1));
    }

    // PRIVMSG <target>{,<target>} <text to be sent>
    // NOTICE <target>{,<target>} <text to be sent>
    // TAGMSG <target>{,<target>}   https://ircv3.net/specs/extensions/message-tags#the-tagmsg-tag-only-message
    private static async ValueTask SendAsync(Session s, IrcMessage m, string verb)
    {
        var isNotice = verb == "NOTICE";
        var isTagmsg = verb == "TAGMSG";
        if (m.HasTag("batch"))
        {
            // The lines of an open batch never get here (the read loop collects them).
            BatchCommand.RejectStray(s);
            return;
        }
        if (m.Parameters.Count == 0 || m.Parameters[0].Length == 0)
        {
            if (!isNotice)
            {
                s.Numeric(Numerics.ERR_NORECIPIENT, $"No recipient given ({verb})");
            }
            return;
        }
        if (!isTagmsg && (m.Parameters.Count < 2 || m.Parameters[1].Length == 0))
        {
            if (!isNotice)
            {
                s.Numeric(Numerics.ERR_NOTEXTTOSEND, "No text to send");
            }
            return;
        }

        if (!isTagmsg && NickServ.IsTarget(s, m.Parameters[0]))
        {
            // Services are not delivered to: NickServ answers, and nobody else sees the line.
            if (!isNotice)
            {
                await NickServ.HandleAsync(s, m.Parameters[1]);
            }
            return;
        }

        var clientTags = ClientTags(m);
        var targets = m.Parameters[0].Split(',', StringSplitOptions.RemoveEmptyEntries);
        var max = s.Server.Options.Limits.MaxTargets;
        if (targets.Length > max)
        {
            s.Numeric(Numerics.ERR_TOOMANYTARGETS, m.Parameters[0], $"Too many targets (at most {max})");
            return;
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
            if (s.Network.Link is not null && ChannelTarget(target, out var minStatus, out var channelName))
            {
                // A cluster: through the channel's grain (docs/DEVELOPING.md, "Channels across nodes").
                var result = await s.Network.SendToChannelAsync(s.User, channelName, minStatus, message, s.Replies, echo, required);
                ReportChannelSend(s, result, channelName, isNotice, verb);
                continue;
            }
            if (!Deliver(s, target, message, echo, required, isNotice))
            {
                await DeliverToSessionsElsewhereAsync(s, target, message, local: true);
                continue;
            }
            if (await DeliverRemoteAsync(s, target, message, echo, isNotice))
            {
                await DeliverToSessionsElsewhereAsync(s, target, message, local: false);
                continue;
            }
            if (!isTagmsg && s.Network.Deliveries.Enabled)
            {
                await DeliverOfflineAsync(s, target, message, echo, isNotice);
            }
            else if (!s.Network.Deliveries.Enabled && !isNotice)
            {
                s.Numeric(Numerics.ERR_NOSUCHNICK, target, "No such nick/channel");
            }
        }
    }

    /// <summary>
    /// A message to a nick no user of this node holds, in a cluster: delivered to the node
    /// whose user holds it (through the Network seam, <see cref="INetworkLink"/>), the sender's
    /// copy stored here and echoed. False on a single node, or when nobody holds the nick.
    /// </summary>
    private static async ValueTask<bool> DeliverRemoteAsync(Session s, string nick, OutboundMessage message, bool echo, bool quiet)
    {
        if (s.Network.Link is not { } link)
        {
            return false;
        }
        RemoteRecipient? recipient;
        try
        {
            recipient = await link.SendToUserAsync(nick, [message], s.User.Nick);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            s.Server.LoggerFactory.CreateLogger("Parley.Server.Commands.MessagingCommands").LogWarning(ex, "delivery to {Nick} on another node failed", nick);
            if (!quiet)
            {
                s.Numeric(Numerics.ERR_NOSUCHNICK, nick, "No such nick/channel (its node did not answer)");
            }
            return true;
        }
        if (recipient is null)
        {
            return false;
        }
        s.Network.RecordSentToRemote(s.User, recipient.Nick, message, echo ? s.Replies : null);
        if (!quiet && recipient.AwayMessage is not null && message.Command == "PRIVMSG")
        {
            s.Numeric(Numerics.RPL_AWAY, recipient.Nick, recipient.AwayMessage);
        }
        return true;
    }

    /// <summary>
    /// Multiclient across nodes (cluster only): a private message delivered here to a user whose
    /// account has sessions on other nodes goes to them too, and the sender's account's sessions
    /// on other nodes get the copy its other connections here got. Channels wait for channels
    /// across nodes (docs/DEVELOPING.md). Failures are logged: the message was delivered here.
    /// </summary>
    private static async ValueTask DeliverToSessionsElsewhereAsync(Session s, string target, OutboundMessage message, bool local)
    {
        var name = target;
        while (name.Length > 1 && MemberPrefixes.FromPrefixChar(name[0]) != MemberStatus.None)
        {
            name = name[1..];
        }
        if (s.Network.Link is not { } link || ChannelNames.IsChannel(name))
        {
            return;
        }
        try
        {
            var toSelf = s.Network.CaseMapping.Equals(target, s.User.Nick);
            if (local && !toSelf && s.Network.HasSessionsElsewhere(target))
            {
                await link.DeliverToSessionsElsewhereAsync(target, [message]);
            }
            if (s.User.SessionsElsewhere)
            {
                await link.DeliverToSessionsElsewhereAsync(s.User.Nick, [message]);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            s.Server.LoggerFactory.CreateLogger("Parley.Server.Commands.MessagingCommands").LogWarning(ex, "delivery to {Nick}'s sessions on other nodes failed", target);
        }
    }

    /// <summary>
    /// A message to a nick nobody holds: if it is a registered account's, kept for its next
    /// login (offline delivery, issue 4) and the sender told so (RPL_AWAY, as for an away user);
    /// else 401.
    /// </summary>
    private static async ValueTask DeliverOfflineAsync(Session s, string nick, RelayedMessage message, bool echo, bool quiet)
    {
        AccountRecord? account = null;
        try
        {
            account = await s.Server.Accounts.GetAsync(nick);
        }
        catch (System.Data.Common.DbException ex)
        {
            AccountLogin.ReportStoreFailure(s, ex);
        }
        if (account is not null && s.Network.SendToOfflineAccount(s.User, nick, account.Name, message, s.Replies, echo))
        {
            if (!quiet)
            {
                s.Numeric(Numerics.RPL_AWAY, nick, "is offline; the message will be delivered when they log in");
            }
            return;
        }
        if (account is not null)
        {
            // They came online meanwhile.
            if (Deliver(s, nick, message, echo, Capability.None, quiet) && !quiet)
            {
                s.Numeric(Numerics.ERR_NOSUCHNICK, nick, "No such nick/channel");
            }
            return;
        }
        if (!quiet)
        {
            s.Numeric(Numerics.ERR_NOSUCHNICK, nick, "No such nick/channel");
        }
    }

    /// <summary>
    /// Delivers one message (a line or a multiline message) to one target (a nick, a channel, or
    /// @#channel / +#channel). Returns true, having replied nothing, when the target is a nick
    /// no local user holds and history is on or this node is in a cluster: the caller decides
    /// between another node, offline delivery and 401.
    /// </summary>
    internal static bool Deliver(Session s, string target, RelayedMessage message, bool echo, Capability required, bool quiet)
    {
        if (ChannelTarget(target, out var status, out var channelName))
        {
            var result = s.Network.SendToChannel(s.User, channelName, status, message, s.Replies, echo, required);
            ReportChannelSend(s, result, channelName, quiet);
            return false;
        }

        var userResult = s.Network.SendToUser(s.User, target, message, s.Replies, echo, required);
        s.Server.Metrics.MessagesDelivered(userResult.Delivered);
        if (userResult.Status == SendStatus.NoSuchNick && (s.Network.Deliveries.Enabled || s.Network.Link is not null))
        {
            return true;
        }
        if (quiet)
        {
            return false;
        }
        if (userResult.Status == SendStatus.NoSuchNick)
        {
            s.Numeric(Numerics.ERR_NOSUCHNICK, target, "No such nick/channel");
        }
        else if (userResult.AwayMessage is not null && message.Command == "PRIVMSG")
        {
            s.Numeric(Numerics.RPL_AWAY, userResult.Target, userResult.AwayMessage);
        }
        return false;
    }

    /// <summary>A channel target (#chan, or @#chan / +#chan for STATUSMSG): the channel and the lowest status it reaches.</summary>
    internal static bool ChannelTarget(string target, out MemberStatus status, out string channelName)
    {
        status = MemberStatus.None;
        channelName = target;
        while (channelName.Length > 1 && MemberPrefixes.FromPrefixChar(channelName[0]) is var p && p != MemberStatus.None)
        {
            status = status == MemberStatus.None || p < status ? p : status;
            channelName = channelName[1..];
        }
        return ChannelNames.IsChannel(channelName);
    }

    /// <summary>Counts a message to a channel and tells the sender why it was refused, unless quiet (NOTICE).</summary>
    internal static void ReportChannelSend(Session s, SendResult result, string channelName, bool quiet, string command = "PRIVMSG")
    {
        s.Server.Metrics.MessagesDelivered(result.Delivered);
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
            case SendStatus.Unavailable:
                ChannelUnavailable.Fail(s, command, channelName);
                break;
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
