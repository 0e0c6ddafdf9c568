using Parley.Server.Sessions;

namespace Parley.Server.Network;

public enum JoinError
{
    None,
    AlreadyOn,
    BadChannelName,
    BadKey,
    Full,
    InviteOnly,
    Banned,

    /// <summary>Cluster only: the command could not go through the channel's grain (timeout, a node's death, the database stalled); it had no effect.</summary>
    Unavailable,
}

/// <summary>One member as NAMES and WHO show it.</summary>
/// <param name="Invisible">The user is +i: NAMES hides them from non-members.</param>
public readonly record struct MemberView(string Nick, string Username, string Host, MemberStatus Status, bool Away, bool Invisible = false);

/// <summary>What a joiner or a NAMES query sees of a channel, taken under one lock.</summary>
public sealed record ChannelView(
    string Name,
    bool Secret,
    string? Topic,
    string? TopicSetBy,
    DateTimeOffset TopicSetAt,
    IReadOnlyList<MemberView> Members);

public sealed record JoinResult(JoinError Error, string ChannelName, ChannelView? View = null);

public enum PartError
{
    None,
    NoSuchChannel,
    NotOnChannel,

    /// <summary>Cluster only: see <see cref="JoinError.Unavailable"/>.</summary>
    Unavailable,
}

// JOIN, PART, NAMES: the membership side of channels.
public sealed partial class IrcNetwork
{
    /// <summary>
    /// JOIN <paramref name="name"/> with an optional key. On success every member (and the
    /// joiner, through <paramref name="replies"/>) sees the JOIN, and the result holds the
    /// channel as the joiner then sees it, for the topic and NAMES replies.
    /// https://modern.ircdocs.horse/#join-message
    /// </summary>
    public JoinResult Join(IrcUser user, string name, string? key, ReplyBuffer replies)
    {
        if (!ChannelNames.IsValid(name))
        {
            return new JoinResult(JoinError.BadChannelName, name);
        }
        lock (_gate)
        {
            var created = false;
            if (!_channels.TryGetValue(name, out var channel))
            {
                channel = new Channel(name, Now);
                created = true;
            }
            else if (channel.Members.ContainsKey(user))
            {
                return new JoinResult(JoinError.AlreadyOn, channel.Name);
            }
            else
            {
                var error = ChannelRules.CheckJoin(channel, user, key, CaseMapping);
                if (error != JoinError.None)
                {
                    return new JoinResult(error, channel.Name);
                }
            }

            if (created)
            {
                _channels[name] = channel;
                channel.Flags = ChannelModeFlags.NoExternal | ChannelModeFlags.TopicLock;
            }
            channel.Members[user] = created ? MemberStatus.Operator : MemberStatus.None;
            channel.Invited.Remove(user);
            user.InvitedElsewhere?.Remove(channel.Name);
            user.Channels.Add(channel);

            var time = NowTag();
            var msgid = NewMsgId();
            var plain = new OutboundMessage(user.Prefix, "JOIN", channel.Name) { Time = time, MsgId = msgid, Account = user.Account };
            var extended = new OutboundMessage(user.Prefix, "JOIN", channel.Name, user.Account ?? "*", user.Realname) { Time = time, MsgId = msgid, Account = user.Account };
            StoreChannelLocked(channel, plain);
            var away = user.AwayMessage is null ? null : new OutboundMessage(user.Prefix, "AWAY", user.AwayMessage) { Time = time };
            foreach (var member in channel.Members.Keys)
            {
                if (member == user)
                {
                    replies.Add(ActorCaps(user, replies).HasFlag(Capability.ExtendedJoin) ? extended : plain);
                    foreach (var sibling in user.Sink.Others(replies.Owner))
                    {
                        sibling.Deliver(sibling.Caps.HasFlag(Capability.ExtendedJoin) ? extended : plain);
                    }
                    continue;
                }
                foreach (var (_, sink) in member.Sink.Entries)
                {
                    var caps = sink.Caps;
                    sink.Deliver(caps.HasFlag(Capability.ExtendedJoin) ? extended : plain);
                    if (away is not null && caps.HasFlag(Capability.AwayNotify))
                    {
                        sink.Deliver(away);
                    }
                }
            }
            return new JoinResult(JoinError.None, channel.Name, ViewLocked(channel));
        }
    }

    /// <summary>PART: members and the leaver (through replies) see it. https://modern.ircdocs.horse/#part-message</summary>
    public PartError Part(IrcUser user, string name, string? reason, ReplyBuffer replies)
    {
        lock (_gate)
        {
            if (!_channels.TryGetValue(name, out var channel))
            {
                return PartError.NoSuchChannel;
            }
            if (!channel.Members.ContainsKey(user))
            {
                return PartError.NotOnChannel;
            }
            var message = reason is null
                ? new OutboundMessage(user.Prefix, "PART", channel.Name)
                : new OutboundMessage(user.Prefix, "PART", channel.Name, reason);
            message = WithTags(message, user);
            StoreChannelLocked(channel, message);
            DeliverToChannelLocked(channel, message, user, replies);
            RemoveMemberLocked(channel, user);
            return PartError.None;
        }
    }

    /// <summary>JOIN 0: part every channel.</summary>
    public void PartAll(IrcUser user, ReplyBuffer replies)
    {
        lock (_gate)
        {
            foreach (var channel in user.Channels.ToList())
            {
                var message = WithTags(new OutboundMessage(user.Prefix, "PART", channel.Name, user.Nick), user);
                StoreChannelLocked(channel, message);
                DeliverToChannelLocked(channel, message, user, replies);
                RemoveMemberLocked(channel, user);
            }
        }
    }

    /// <summary>The channel as <paramref name="viewer"/> may see it, or null if it does not exist or is hidden (+s, not a member).</summary>
    public ChannelView? GetChannelView(IrcUser viewer, string name)
    {
        lock (_gate)
        {
            return _channels.TryGetValue(name, out var channel) ? VisibleViewLocked(viewer, channel) : null;
        }
    }

    /// <summary>The channel as <paramref name="viewer"/> may see it, or null if hidden (+s, not a member). Under the lock.</summary>
    private ChannelView? VisibleViewLocked(IrcUser viewer, Channel channel)
    {
        if (channel.Has(ChannelModeFlags.Secret) && !channel.Members.ContainsKey(viewer) && !viewer.IsOperator)
        {
            return null;
        }
        return ViewLocked(channel);
    }

    /// <summary>Whether the user is on the channel.</summary>
    public bool IsMember(IrcUser user, string name)
    {
        lock (_gate)
        {
            return _channels.TryGetValue(name, out var channel) && channel.Members.ContainsKey(user);
        }
    }

    /// <summary>The user's channels as others see them in WHOIS (secret ones only to fellow members or opers).</summary>
    public List<(string Name, MemberStatus Status)> GetUserChannels(IrcUser target, IrcUser viewer)
    {
        lock (_gate)
        {
            var list = new List<(string, MemberStatus)>();
            foreach (var channel in target.Channels)
            {
                if (viewer != target && !viewer.IsOperator && channel.Has(ChannelModeFlags.Secret) && !channel.Members.ContainsKey(viewer))
                {
                    continue;
                }
                list.Add((channel.Name, channel.Members[target]));
            }
            return list;
        }
    }

    private ChannelView ViewLocked(Channel channel)
    {
        var members = new List<MemberView>(channel.Members.Count);
        foreach (var (member, status) in channel.Members)
        {
            members.Add(new MemberView(member.Nick, member.Username, member.Host, status, member.AwayMessage is not null, member.IsInvisible));
        }
        return new ChannelView(channel.Name, channel.Has(ChannelModeFlags.Secret), channel.Topic, channel.TopicSetBy, channel.TopicSetAt, members);
    }

    private void RemoveMemberLocked(Channel channel, IrcUser user)
    {
        channel.Members.Remove(user);
        user.Channels.Remove(channel);
        if (channel.Members.Count == 0)
        {
            _channels.Remove(channel.Name);
        }
        if (user.RemoteNode is not null && user.Channels.Count == 0)
        {
            ForgetStubLocked(user);
        }
    }

    /// <summary>Delivers to every member but the actor, and to the actor through <paramref name="replies"/>.</summary>
    private static void DeliverToChannelLocked(Channel channel, OutboundMessage message, IrcUser actor, ReplyBuffer? replies)
    {
        foreach (var member in channel.Members.Keys)
        {
            if (member == actor)
            {
                replies?.Add(message);
                EchoToOtherSessionsLocked(actor, replies, message);
            }
            else
            {
                member.Sink.Deliver(message);
            }
        }
    }

    private OutboundMessage WithTags(OutboundMessage m, IrcUser actor)
        => new(m.Source, m.Command, [.. m.Parameters]) { Time = NowTag(), MsgId = NewMsgId(), Account = actor.Account };
}
