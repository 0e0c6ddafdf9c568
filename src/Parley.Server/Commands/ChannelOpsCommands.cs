using System.Globalization;
using System.Text;
using Parley.Protocol;
using Parley.Server.Network;
using Parley.Server.Sessions;

namespace Parley.Server.Commands;

/// <summary>
/// The channel operator's commands: MODE (see <see cref="ModeCommand"/>), TOPIC, KICK, INVITE,
/// and LIST. https://modern.ircdocs.horse/#channel-operations
/// </summary>
internal static class ChannelOpsCommands
{
    public static void Register(CommandTable t)
    {
        t.Add(new("MODE", ModeCommand.HandleAsync, MinParams: 1));
        t.Add(new("TOPIC", TopicAsync, MinParams: 1));
        t.Add(new("KICK", KickAsync, MinParams: 2));
        t.Add(new("INVITE", InviteAsync));
        t.Add(new("LIST", ListAsync));
    }

    // TOPIC <channel> [<topic>]   https://modern.ircdocs.horse/#topic-message
    private static async ValueTask TopicAsync(Session s, IrcMessage m)
    {
        var name = m.Parameters[0];
        if (m.Parameters.Count < 2)
        {
            var (error, view) = await s.Network.GetTopicAsync(s.User, name);
            if (error == ChannelOpError.None)
            {
                ChannelCommands.SendTopic(s, view!, quietIfNone: false);
            }
            else
            {
                SendError(s, "TOPIC", error, name, null);
            }
            return;
        }
        var topic = TruncateUtf8(m.Parameters[1], s.Server.Options.Limits.TopicLength);
        var result = await s.Network.SetTopicAsync(s.User, name, topic, s.Replies);
        SendError(s, "TOPIC", result.Error, result.ChannelName, null);
    }

    // KICK <channel> <user> *( "," <user> ) [<comment>]   https://modern.ircdocs.horse/#kick-message
    // As Ergo (and RFC 2812), also KICK <channel>{,<channel>} <user>{,<user>}: one channel for
    // every user, one user from every channel, or channels and users paired in order.
    private static async ValueTask KickAsync(Session s, IrcMessage m)
    {
        var channels = m.Parameters[0].Split(',');
        var users = m.Parameters[1].Split(',');
        if (channels.Length != users.Length && channels.Length != 1 && users.Length != 1)
        {
            s.Numeric(Numerics.ERR_NEEDMOREPARAMS, "KICK", "Not enough parameters");
            return;
        }
        var comment = m.Param(2);
        comment = TruncateUtf8(string.IsNullOrEmpty(comment) ? s.Nick : comment, s.Server.Options.Limits.KickLength);
        // TARGMAX KICK: targets past the limit are dropped silently, as Modern allows.
        var count = Math.Min(Math.Max(channels.Length, users.Length), s.Server.Options.Limits.MaxTargets);
        for (var i = 0; i < count; i++)
        {
            var channel = channels.Length == 1 ? channels[0] : channels[i];
            var nick = users.Length == 1 ? users[0] : users[i];
            if (channel.Length == 0 || nick.Length == 0)
            {
                continue;
            }
            var result = await s.Network.KickAsync(s.User, channel, nick, comment, s.Replies);
            SendError(s, "KICK", result.Error, result.ChannelName, result.TargetNick);
        }
    }

    // INVITE <nickname> <channel>   https://modern.ircdocs.horse/#invite-message
    // INVITE (no parameter): the channels one is invited to, as Ergo.   https://modern.ircdocs.horse/#invite-list
    private static async ValueTask InviteAsync(Session s, IrcMessage m)
    {
        if (m.Parameters.Count == 0)
        {
            foreach (var name in await s.Network.GetInvitesAsync(s.User))
            {
                s.Numeric(Numerics.RPL_INVITELIST, name);
            }
            s.Numeric(Numerics.RPL_ENDOFINVITELIST, "End of /INVITE list");
            return;
        }
        if (m.Parameters.Count < 2)
        {
            s.Numeric(Numerics.ERR_NEEDMOREPARAMS, "INVITE", "Not enough parameters");
            return;
        }
        var result = await s.Network.InviteAsync(s.User, m.Parameters[0], m.Parameters[1], s.Replies);
        if (result.Error != ChannelOpError.None)
        {
            SendError(s, "INVITE", result.Error, result.ChannelName, result.TargetNick);
            return;
        }
        s.Numeric(Numerics.RPL_INVITING, result.TargetNick!, result.ChannelName);
        if (result.AwayMessage is not null)
        {
            s.Numeric(Numerics.RPL_AWAY, result.TargetNick!, result.AwayMessage);
        }
    }

    // LIST [<channel>{,<channel>}] [<elistcond>{,<elistcond>}]   https://modern.ircdocs.horse/#list-message
    private static async ValueTask ListAsync(Session s, IrcMessage m)
    {
        var query = ChannelListQuery.Parse(m.Parameters);
        s.Numeric(Numerics.RPL_LISTSTART, "Channel", "Users  Name");
        foreach (var item in await s.Network.ListChannelsAsync(s.User, query))
        {
            s.Numeric(Numerics.RPL_LIST, item.Name, item.Users.ToString(CultureInfo.InvariantCulture), item.Topic ?? "");
        }
        s.Numeric(Numerics.RPL_LISTEND, "End of /LIST");
    }

    /// <summary>The one place TOPIC, KICK and INVITE refusals become numerics (<paramref name="command"/>: which of them).</summary>
    private static void SendError(Session s, string command, ChannelOpError error, string channel, string? nick)
    {
        switch (error)
        {
            case ChannelOpError.NoSuchChannel:
                s.Numeric(Numerics.ERR_NOSUCHCHANNEL, channel, "No such channel");
                break;
            case ChannelOpError.NotOnChannel:
                s.Numeric(Numerics.ERR_NOTONCHANNEL, channel, "You're not on that channel");
                break;
            case ChannelOpError.ChanOpPrivsNeeded:
                s.Numeric(Numerics.ERR_CHANOPRIVSNEEDED, channel, "You're not channel operator");
                break;
            case ChannelOpError.NoSuchNick:
                s.Numeric(Numerics.ERR_NOSUCHNICK, nick!, "No such nick/channel");
                break;
            case ChannelOpError.UserNotInChannel:
                s.Numeric(Numerics.ERR_USERNOTINCHANNEL, nick!, channel, "They aren't on that channel");
                break;
            case ChannelOpError.UserOnChannel:
                s.Numeric(Numerics.ERR_USERONCHANNEL, nick!, channel, "is already on channel");
                break;
            case ChannelOpError.Unavailable:
                if (nick is null)
                {
                    ChannelUnavailable.Fail(s, command, channel);
                }
                else
                {
                    ChannelUnavailable.Fail(s, command, channel, ReplyLines.SafeParam(nick));
                }
                break;
        }
    }

    /// <summary>Cuts <paramref name="text"/> to at most <paramref name="maxBytes"/> bytes of UTF-8, never inside a character (TOPICLEN, KICKLEN count bytes).</summary>
    internal static string TruncateUtf8(string text, int maxBytes)
    {
        if (Encoding.UTF8.GetByteCount(text) <= maxBytes)
        {
            return text;
        }
        var bytes = 0;
        var i = 0;
        while (i < text.Length)
        {
            var width = char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;
            var size = Encoding.UTF8.GetByteCount(text.AsSpan(i, width));
            if (bytes + size > maxBytes)
            {
                break;
            }
            bytes += size;
            i += width;
        }
        return text[..i];
    }
}
