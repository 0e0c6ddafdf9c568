using System.Globalization;
using System.Text;
using Parley.Protocol;
using Parley.Server.Network;
using Parley.Server.Sessions;

namespace Parley.Server.Commands;

/// <summary>Channel membership: JOIN, PART, NAMES. https://modern.ircdocs.horse/#channel-operations</summary>
internal static partial class ChannelCommands
{
    public static void Register(CommandTable t)
    {
        t.Add(new("JOIN", JoinAsync, MinParams: 1));
        t.Add(new("PART", PartAsync, MinParams: 1));
        t.Add(new("NAMES", NamesAsync));
    }

    // JOIN <channel>{,<channel>} [<key>{,<key>}]   JOIN 0   https://modern.ircdocs.horse/#join-message
    private static async ValueTask JoinAsync(Session s, IrcMessage m)
    {
        if (m.Parameters[0] == "0")
        {
            foreach (var stuck in await s.Network.PartAllAsync(s.User, s.Replies))
            {
                ChannelUnavailable.Fail(s, "JOIN", stuck);
            }
            return;
        }
        var names = m.Parameters[0].Split(',', StringSplitOptions.RemoveEmptyEntries);
        var keys = m.Param(1)?.Split(',') ?? [];
        for (var i = 0; i < names.Length; i++)
        {
            var name = names[i];
            if (s.User.Channels.Count >= s.Server.Options.Limits.MaxChannelsPerUser)
            {
                s.Numeric(Numerics.ERR_TOOMANYCHANNELS, name, "You have joined too many channels");
                continue;
            }
            if (s.Throttled && !s.Joins.TryTake(out var wait))
            {
                s.Numeric(Numerics.ERR_TARGETTOOFAST, name, $"Target change too fast. Please wait {RegistrationCommands.Seconds(wait)} seconds");
                continue;
            }
            var key = i < keys.Length && keys[i].Length > 0 ? keys[i] : null;
            var result = await s.Network.JoinAsync(s.User, name, key, s.Replies);
            switch (result.Error)
            {
                case JoinError.None:
                    SendTopic(s, result.View!, quietIfNone: true);
                    await ReadMarkerCommand.SendOnJoinAsync(s, result.ChannelName);
                    SendNames(s, result.View!);
                    ShowOtherSessions(s, result.View!);
                    MetadataCommands.SendOnJoin(s, result.ChannelName);
                    break;
                case JoinError.AlreadyOn:
                    break;
                case JoinError.BadChannelName:
                    s.Numeric(Numerics.ERR_NOSUCHCHANNEL, name, "No such channel");
                    break;
                case JoinError.BadKey:
                    s.Numeric(Numerics.ERR_BADCHANNELKEY, result.ChannelName, "Cannot join channel (+k)");
                    break;
                case JoinError.Full:
                    s.Numeric(Numerics.ERR_CHANNELISFULL, result.ChannelName, "Cannot join channel (+l)");
                    break;
                case JoinError.InviteOnly:
                    s.Numeric(Numerics.ERR_INVITEONLYCHAN, result.ChannelName, "Cannot join channel (+i)");
                    break;
                case JoinError.Banned:
                    s.Numeric(Numerics.ERR_BANNEDFROMCHAN, result.ChannelName, "Cannot join channel (+b)");
                    break;
                case JoinError.Unavailable:
                    ChannelUnavailable.Join(s, name);
                    break;
            }
        }
    }

    // PART <channel>{,<channel>} [<reason>]   https://modern.ircdocs.horse/#part-message
    private static async ValueTask PartAsync(Session s, IrcMessage m)
    {
        var reason = m.Param(1);
        foreach (var name in m.Parameters[0].Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            switch (await s.Network.PartAsync(s.User, name, string.IsNullOrEmpty(reason) ? null : reason, s.Replies))
            {
                case PartError.NoSuchChannel:
                    s.Numeric(Numerics.ERR_NOSUCHCHANNEL, name, "No such channel");
                    break;
                case PartError.NotOnChannel:
                    s.Numeric(Numerics.ERR_NOTONCHANNEL, name, "You're not on that channel");
                    break;
                case PartError.Unavailable:
                    ChannelUnavailable.Fail(s, "PART", name);
                    break;
            }
        }
    }

    // NAMES [<channel>{,<channel>}]   https://modern.ircdocs.horse/#names-message
    private static async ValueTask NamesAsync(Session s, IrcMessage m)
    {
        if (m.Parameters.Count == 0 || m.Parameters[0].Length == 0)
        {
            s.Numeric(Numerics.RPL_ENDOFNAMES, "*", "End of /NAMES list");
            return;
        }
        // Several channels: their names, then one RPL_ENDOFNAMES naming the whole list (as Ergo;
        // irctest names.py). A channel that does not exist or is hidden adds nothing.
        var names = m.Parameters[0].Split(',', StringSplitOptions.RemoveEmptyEntries);
        var endName = m.Parameters[0];
        foreach (var name in names)
        {
            if (await s.Network.GetChannelViewAsync(s.User, name) is { } view)
            {
                SendNames(s, view, end: false);
                if (names.Length == 1)
                {
                    endName = view.Name;
                }
            }
        }
        s.Numeric(Numerics.RPL_ENDOFNAMES, endName, "End of /NAMES list");
    }

    /// <summary>RPL_TOPIC and RPL_TOPICWHOTIME, or RPL_NOTOPIC.</summary>
    internal static void SendTopic(Session s, ChannelView view, bool quietIfNone)
        => WriteTopic(s, view, quietIfNone, m => s.Reply(m));

    /// <summary>RPL_NAMREPLY lines (each under 512 bytes), then RPL_ENDOFNAMES unless <paramref name="end"/> is false.</summary>
    internal static void SendNames(Session s, ChannelView view, bool end = true)
        => WriteNames(s, view, end, s.Caps, m => s.Reply(m));

    /// <summary>
    /// Multiclient: the user's other connections saw its JOIN; they get the topic and NAMES
    /// too, each in the form its capabilities ask for (as Ergo).
    /// </summary>
    private static void ShowOtherSessions(Session s, ChannelView view)
    {
        var variants = s.Network.OtherSessionCaps(s.User, s);
        if (variants.Count == 0)
        {
            return;
        }
        var lines = new Dictionary<Capability, List<OutboundMessage>>();
        foreach (var caps in variants)
        {
            var list = new List<OutboundMessage>();
            WriteTopic(s, view, quietIfNone: true, list.Add);
            WriteNames(s, view, end: true, caps, list.Add);
            lines[caps] = list;
        }
        s.Network.DeliverToOtherSessions(s.User, s, lines);
    }

    private static void WriteTopic(Session s, ChannelView view, bool quietIfNone, Action<OutboundMessage> emit)
        => WriteTopic(new NamesViewer(s.Network, s.Server.Name, s.Nick, s.User.IsOperator), view, quietIfNone, emit);

    /// <summary>Who a topic or NAMES reply is written for: the nick it names and whether it may see invisible members.</summary>
    private readonly record struct NamesViewer(IrcNetwork Network, string ServerName, string Nick, bool IsOperator);

    private static void WriteTopic(NamesViewer s, ChannelView view, bool quietIfNone, Action<OutboundMessage> emit)
    {
        if (string.IsNullOrEmpty(view.Topic))
        {
            if (!quietIfNone)
            {
                emit(s.Network.FromServer(Numerics.RPL_NOTOPIC, s.Nick, view.Name, "No topic is set"));
            }
            return;
        }
        emit(s.Network.FromServer(Numerics.RPL_TOPIC, s.Nick, view.Name, view.Topic));
        emit(s.Network.FromServer(Numerics.RPL_TOPICWHOTIME, s.Nick, view.Name, view.TopicSetBy ?? s.ServerName,
            view.TopicSetAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)));
    }

    private static void WriteNames(Session s, ChannelView view, bool end, Capability caps, Action<OutboundMessage> emit)
        => WriteNames(new NamesViewer(s.Network, s.Server.Name, s.Nick, s.User.IsOperator), view, end, caps, emit);

    private static void WriteNames(NamesViewer s, ChannelView view, bool end, Capability caps, Action<OutboundMessage> emit)
    {
        var multi = caps.HasFlag(Capability.MultiPrefix);
        var full = caps.HasFlag(Capability.UserhostInNames);
        var isMember = view.Members.Any(mv => mv.Nick == s.Nick);
        var symbol = view.Secret ? "@" : "=";
        // ":server 353 nick = #chan :" plus the names must stay within 512 bytes.
        var budget = IrcLimits.MaxLineBodyBytes - s.ServerName.Length - s.Nick.Length - view.Name.Length - 12;
        var line = new StringBuilder();
        foreach (var member in view.Members)
        {
            if (!isMember && !s.IsOperator && member.Invisible)
            {
                continue;
            }
            var entry = MemberPrefixes.ToPrefixes(member.Status, multi)
                + (full ? $"{member.Nick}!{member.Username}@{member.Host}" : member.Nick);
            if (line.Length > 0 && line.Length + 1 + entry.Length > budget)
            {
                emit(s.Network.FromServer(Numerics.RPL_NAMREPLY, s.Nick, symbol, view.Name, line.ToString()));
                line.Clear();
            }
            if (line.Length > 0)
            {
                line.Append(' ');
            }
            line.Append(entry);
        }
        if (line.Length > 0)
        {
            emit(s.Network.FromServer(Numerics.RPL_NAMREPLY, s.Nick, symbol, view.Name, line.ToString()));
        }
        if (end)
        {
            emit(s.Network.FromServer(Numerics.RPL_ENDOFNAMES, s.Nick, view.Name, "End of /NAMES list"));
        }
    }

    /// <summary>
    /// Multiclient across nodes: the account's user on another node joined a channel, and this
    /// node's user of the account with it (<see cref="IrcNetwork.ShowJoinToSessions"/>): its
    /// connections saw the JOIN line and get the topic and NAMES, as a user's other connections
    /// do on one node (<see cref="ShowOtherSessions"/>).
    /// </summary>
    internal static void ShowJoinToSessions(ServerContext server, IrcUser user, ChannelView view)
    {
        var viewer = new NamesViewer(server.Network, server.Name, user.Nick, user.IsOperator);
        var lines = new Dictionary<Capability, List<OutboundMessage>>();
        foreach (var (_, sink) in user.Sink.Entries)
        {
            if (!lines.ContainsKey(sink.Caps))
            {
                var list = new List<OutboundMessage>();
                WriteTopic(viewer, view, quietIfNone: true, list.Add);
                WriteNames(viewer, view, end: true, sink.Caps, list.Add);
                lines[sink.Caps] = list;
            }
        }
        server.Network.DeliverToOtherSessions(user, IrcNetwork.ActingElsewhere, lines);
    }

}
