using Parley.Server.Sessions;

namespace Parley.Server.Network;

/// <summary>What MODE on a channel did, taken under one lock.</summary>
/// <param name="Lists">The entries of each list asked for (b, e, I), copied.</param>
/// <param name="ModeIs">RPL_CHANNELMODEIS's mode string and parameters, when it is to be sent.</param>
public sealed record ChannelModeResult(
    ChannelOpError Error,
    string ChannelName,
    ModeApplyResult? Outcome = null,
    IReadOnlyList<(char Mode, IReadOnlyList<ListEntry> Entries)>? Lists = null,
    IReadOnlyList<string>? ModeIs = null,
    DateTimeOffset CreatedAt = default);

/// <summary>The outcome of TOPIC, KICK or INVITE for one channel, names as the network spells them.</summary>
public sealed record ChannelOpResult(ChannelOpError Error, string ChannelName, string? TargetNick = null, string? AwayMessage = null);

/// <summary>One RPL_LIST line.</summary>
public readonly record struct ChannelListItem(string Name, int Users, string? Topic);

// MODE (channels), TOPIC, KICK, INVITE, LIST: the operator side of channels.
public sealed partial class IrcNetwork
{
    /// <summary>
    /// Applies a parsed MODE request to a channel. What changed goes to every member in one
    /// MODE line (the actor's copy through <paramref name="replies"/>); the result carries the
    /// refusals, the lists asked for and, when due, the channel's modes.
    /// https://modern.ircdocs.horse/#mode-message
    /// </summary>
    public ChannelModeResult ChangeChannelModes(IrcUser user, string name, ModeRequest request, int maxListEntries, ReplyBuffer replies)
    {
        lock (_gate)
        {
            if (!_channels.TryGetValue(name, out var channel))
            {
                return new ChannelModeResult(ChannelOpError.NoSuchChannel, name);
            }
            var outcome = ChannelModes.Apply(channel, user, request, CaseMapping, maxListEntries, Now, LookupNickLocked);
            if (outcome.Applied.Count > 0)
            {
                var message = new OutboundMessage(user.Prefix, "MODE", [channel.Name, .. ChannelModes.Format(outcome.Applied)])
                {
                    Time = NowTag(),
                    MsgId = NewMsgId(),
                    Account = user.Account,
                    Bot = user.IsBot,
                };
                StoreChannelLocked(channel, message);
                DeliverToChannelLocked(channel, message, user, replies);
            }
            List<(char, IReadOnlyList<ListEntry>)>? lists = null;
            foreach (var mode in outcome.ListsRequested)
            {
                (lists ??= []).Add((mode, [.. ChannelModes.ListFor(channel, mode)]));
            }
            var showParams = channel.Members.ContainsKey(user) || user.IsOperator;
            var modeIs = outcome.ShowModes ? ChannelModes.Describe(channel, showParams) : null;
            return new ChannelModeResult(ChannelOpError.None, channel.Name, outcome, lists, modeIs, channel.CreatedAt);
        }
    }

    /// <summary>TOPIC query: members only (as Ergo). The view carries no member list.</summary>
    public (ChannelOpError Error, ChannelView? View) GetTopic(IrcUser user, string name)
    {
        lock (_gate)
        {
            return _channels.TryGetValue(name, out var channel) ? TopicLocked(user, channel) : (ChannelOpError.NoSuchChannel, null);
        }
    }

    private static (ChannelOpError Error, ChannelView? View) TopicLocked(IrcUser user, Channel channel)
    {
        if (!channel.Members.ContainsKey(user))
        {
            return (ChannelOpError.NotOnChannel, null);
        }
        return (ChannelOpError.None, new ChannelView(channel.Name, channel.Has(ChannelModeFlags.Secret), channel.Topic, channel.TopicSetBy, channel.TopicSetAt, []));
    }

    /// <summary>
    /// TOPIC with a new topic (already cut to TOPICLEN; empty clears it): every member sees the
    /// TOPIC, the setter through <paramref name="replies"/>. https://modern.ircdocs.horse/#topic-message
    /// </summary>
    public ChannelOpResult SetTopic(IrcUser user, string name, string topic, ReplyBuffer replies)
    {
        lock (_gate)
        {
            if (!_channels.TryGetValue(name, out var channel))
            {
                return new ChannelOpResult(ChannelOpError.NoSuchChannel, name);
            }
            var error = ChannelRules.CheckSetTopic(channel, user);
            if (error != ChannelOpError.None)
            {
                return new ChannelOpResult(error, channel.Name);
            }
            channel.Topic = topic.Length == 0 ? null : topic;
            channel.TopicSetBy = user.Prefix;
            channel.TopicSetAt = Now;
            var message = new OutboundMessage(user.Prefix, "TOPIC", channel.Name, topic)
            {
                Time = NowTag(),
                MsgId = NewMsgId(),
                Account = user.Account,
                Bot = user.IsBot,
            };
            StoreChannelLocked(channel, message);
            DeliverToChannelLocked(channel, message, user, replies);
            return new ChannelOpResult(ChannelOpError.None, channel.Name);
        }
    }

    /// <summary>
    /// KICK one user (comment already cut to KICKLEN): every member, the kicked one included,
    /// sees the KICK; then the user is no longer a member. https://modern.ircdocs.horse/#kick-message
    /// </summary>
    public ChannelOpResult Kick(IrcUser kicker, string name, string nick, string comment, ReplyBuffer replies)
    {
        lock (_gate)
        {
            if (!_channels.TryGetValue(name, out var channel))
            {
                return new ChannelOpResult(ChannelOpError.NoSuchChannel, name);
            }
            var target = LookupNickLocked(nick);
            var error = ChannelRules.CheckKick(channel, kicker, target);
            if (error != ChannelOpError.None)
            {
                return new ChannelOpResult(error, channel.Name, target?.Nick ?? nick);
            }
            var message = new OutboundMessage(kicker.Prefix, "KICK", channel.Name, target!.Nick, comment)
            {
                Time = NowTag(),
                MsgId = NewMsgId(),
                Account = kicker.Account,
                Bot = kicker.IsBot,
            };
            StoreChannelLocked(channel, message);
            DeliverToChannelLocked(channel, message, kicker, replies);
            RemoveMemberLocked(channel, target);
            return new ChannelOpResult(ChannelOpError.None, channel.Name, target.Nick);
        }
    }

    /// <summary>
    /// INVITE: the target gets an INVITE from the inviter; members with invite-notify who could
    /// have invited too see it as well. An operator's invite lets the target in once past +i,
    /// +k, +l and bans (see <see cref="ChannelRules.InviteGrantsEntry"/>).
    /// https://modern.ircdocs.horse/#invite-message
    /// </summary>
    public ChannelOpResult Invite(IrcUser inviter, string nick, string name)
    {
        lock (_gate)
        {
            var target = LookupNickLocked(nick);
            if (target is null)
            {
                return new ChannelOpResult(ChannelOpError.NoSuchNick, name, nick);
            }
            return InviteLocked(inviter, target, name, deliverToTarget: true).Result;
        }
    }

    /// <summary>What an INVITE did: the result, and the INVITE line and whether it lets the target in (for the target's node, in a cluster).</summary>
    private sealed record InviteOutcome(ChannelOpResult Result, OutboundMessage? Line = null, bool Granted = false);

    /// <summary>
    /// INVITE of a found target (see <see cref="Invite"/>). <paramref name="deliverToTarget"/>
    /// false: the target's INVITE line is delivered by the caller (a cluster: by the target's
    /// node). Under the lock.
    /// </summary>
    private InviteOutcome InviteLocked(IrcUser inviter, IrcUser target, string name, bool deliverToTarget)
    {
        if (!_channels.TryGetValue(name, out var channel))
        {
            return new(new ChannelOpResult(ChannelOpError.NoSuchChannel, name, target.Nick));
        }
        var error = ChannelRules.CheckInvite(channel, inviter, target);
        if (error != ChannelOpError.None)
        {
            return new(new ChannelOpResult(error, channel.Name, target.Nick));
        }
        var granted = ChannelRules.InviteGrantsEntry(channel, inviter);
        if (granted)
        {
            // Disconnect forgets invites only to channels the user was in; drop the ones of
            // users gone since, so the set stays bounded by live users.
            channel.Invited.RemoveWhere(u => !u.IsRegistered);
            channel.Invited.Add(target);
        }
        var message = new OutboundMessage(inviter.Prefix, "INVITE", target.Nick, channel.Name)
        {
            Time = NowTag(),
            MsgId = NewMsgId(),
            Account = inviter.Account,
            Bot = inviter.IsBot,
        };
        if (deliverToTarget)
        {
            target.Sink.Deliver(message);
        }
        foreach (var (member, status) in channel.Members)
        {
            if (member != inviter && ChannelRules.CouldInvite(channel, status))
            {
                member.Sink.Deliver(message, Capability.InviteNotify);
            }
        }
        return new(new ChannelOpResult(ChannelOpError.None, channel.Name, target.Nick, target.AwayMessage), message, granted);
    }

    /// <summary>The channels the user holds an unused invite to (INVITE with no parameter, as Ergo).</summary>
    public List<string> GetInvites(IrcUser user)
    {
        lock (_gate)
        {
            var names = new List<string>();
            foreach (var channel in _channels.Values)
            {
                if (channel.Invited.Contains(user))
                {
                    names.Add(channel.Name);
                }
            }
            return names;
        }
    }

    /// <summary>
    /// LIST: the channels that pass <paramref name="query"/>, secret ones only to their members
    /// (and IRC operators). The user count leaves out invisible users unless the viewer is a
    /// member. https://modern.ircdocs.horse/#list-message
    /// </summary>
    public List<ChannelListItem> ListChannels(IrcUser viewer, ChannelListQuery query)
    {
        lock (_gate)
        {
            var items = new List<ChannelListItem>();
            var now = Now;
            if (query.Names.Count == 0)
            {
                foreach (var channel in _channels.Values)
                {
                    AddIfListed(channel);
                }
            }
            else
            {
                var seen = new HashSet<Channel>();
                foreach (var name in query.Names)
                {
                    if (_channels.TryGetValue(name, out var channel) && seen.Add(channel))
                    {
                        AddIfListed(channel);
                    }
                }
            }
            return items;

            void AddIfListed(Channel channel)
            {
                var isMember = channel.Members.ContainsKey(viewer);
                if (channel.Has(ChannelModeFlags.Secret) && !isMember && !viewer.IsOperator)
                {
                    return;
                }
                var users = isMember || viewer.IsOperator ? channel.Members.Count : channel.Members.Keys.Count(m => !m.IsInvisible);
                if (query.Matches(channel, users, now, CaseMapping))
                {
                    items.Add(new ChannelListItem(channel.Name, users, channel.Topic));
                }
            }
        }
    }

    /// <summary>The registered user with this nick, or null (under the lock).</summary>
    private IrcUser? LookupNickLocked(string nick)
        => _nicks.TryGetValue(nick, out var u) && u.IsRegistered ? u
            : _remoteNicksStore is not null && _remoteNicksStore.TryGetValue(nick, out var stub) ? stub : null;
}
