using Parley.Protocol;

namespace Parley.Server.Network;

/// <summary>
/// Channel rules as pure functions over a channel's state (ARCHITECTURE.md rule 3): who may
/// join, speak, set the topic. No locking, no delivery: the caller holds Network's lock.
/// </summary>
public static class ChannelRules
{
    /// <summary>JOIN checks in the order Modern IRC lists the errors: invite, ban, key, limit.
    /// An INVITE lets the user past all of them (as Ergo).</summary>
    public static JoinError CheckJoin(Channel channel, IrcUser user, string? key, CaseMapping mapping)
    {
        if (channel.Invited.Contains(user))
        {
            return JoinError.None;
        }
        if (channel.Has(ChannelModeFlags.InviteOnly) && !MatchesAny(channel.InviteExceptions, user, mapping))
        {
            return JoinError.InviteOnly;
        }
        if (IsBanned(channel, user, mapping))
        {
            return JoinError.Banned;
        }
        if (channel.Key is not null && key != channel.Key)
        {
            return JoinError.BadKey;
        }
        if (channel.Limit is int limit && channel.Members.Count >= limit)
        {
            return JoinError.Full;
        }
        return JoinError.None;
    }

    /// <summary>Whether an ordinary ban (or account extban) matches the user and no ordinary exception does. Mutes (m:) never keep anyone out.</summary>
    public static bool IsBanned(Channel channel, IrcUser user, CaseMapping mapping)
        => MatchesAny(channel.Bans, user, mapping) && !MatchesAny(channel.Excepts, user, mapping);

    /// <summary>Whether a mute (<c>+b m:mask</c>) matches the user and no mute exception (<c>+e m:mask</c>) does, as Ergo.</summary>
    public static bool IsMuted(Channel channel, IrcUser user, CaseMapping mapping)
        => MatchesAny(channel.Bans, user, mapping, ExtBans.Mute) && !MatchesAny(channel.Excepts, user, mapping, ExtBans.Mute);

    /// <summary>
    /// Whether an entry of <paramref name="list"/> matches the user's nick!user@host (shown or
    /// real host). With <paramref name="extban"/> null only ordinary masks count; otherwise only
    /// extbans of that type, matched on the mask after the <c>type:</c>.
    /// </summary>
    public static bool MatchesAny(List<ListEntry> list, IrcUser user, CaseMapping mapping, char? extban = null)
    {
        if (list.Count == 0)
        {
            return false;
        }
        var full = user.Prefix;
        var real = $"{user.Nick}!{user.Username}@{user.RealHost}";
        foreach (var entry in list)
        {
            var isExtban = ExtBans.TryParse(entry.Mask, out var type, out var pattern);
            if (isExtban && type == ExtBans.Account)
            {
                // An account extban is an ordinary mask that matches the account, not the host.
                if (extban is null && user.Account is { } account && HostMask.Matches(pattern, account, mapping))
                {
                    return true;
                }
                continue;
            }
            if (isExtban ? type != extban : extban is not null)
            {
                continue;
            }
            if (HostMask.Matches(pattern, full, mapping) || HostMask.Matches(pattern, real, mapping))
            {
                return true;
            }
        }
        return false;
    }

    public enum SendError
    {
        None,
        NoExternal,
        Moderated,
        Banned,
        Muted,
    }

    /// <summary>Whether <paramref name="user"/> may send to the channel: +n, +m, bans, mutes (voice or op overrides +m, bans and mutes).</summary>
    public static SendError CheckSend(Channel channel, IrcUser user, CaseMapping mapping)
    {
        if (!channel.Members.TryGetValue(user, out var status))
        {
            if (channel.Has(ChannelModeFlags.NoExternal))
            {
                return SendError.NoExternal;
            }
            status = MemberStatus.None;
        }
        if (status != MemberStatus.None)
        {
            return SendError.None;
        }
        if (channel.Has(ChannelModeFlags.Moderated))
        {
            return SendError.Moderated;
        }
        if (IsBanned(channel, user, mapping))
        {
            return SendError.Banned;
        }
        if (IsMuted(channel, user, mapping))
        {
            return SendError.Muted;
        }
        return SendError.None;
    }

    public static bool IsOperator(Channel channel, IrcUser user)
        => channel.Members.TryGetValue(user, out var status) && status.HasFlag(MemberStatus.Operator);

    /// <summary>TOPIC with a new topic: members only; with +t, operators only. https://modern.ircdocs.horse/#topic-message</summary>
    public static ChannelOpError CheckSetTopic(Channel channel, IrcUser user)
    {
        if (!channel.Members.ContainsKey(user))
        {
            return ChannelOpError.NotOnChannel;
        }
        if (channel.Has(ChannelModeFlags.TopicLock) && !IsOperator(channel, user))
        {
            return ChannelOpError.ChanOpPrivsNeeded;
        }
        return ChannelOpError.None;
    }

    /// <summary>
    /// KICK: the kicker must be a member and an operator; the target must be a member. An
    /// operator may kick anyone, other operators included. https://modern.ircdocs.horse/#kick-message
    /// </summary>
    public static ChannelOpError CheckKick(Channel channel, IrcUser kicker, IrcUser? target)
    {
        if (!channel.Members.ContainsKey(kicker))
        {
            return ChannelOpError.NotOnChannel;
        }
        if (!IsOperator(channel, kicker))
        {
            return ChannelOpError.ChanOpPrivsNeeded;
        }
        if (target is null)
        {
            return ChannelOpError.NoSuchNick;
        }
        if (!channel.Members.ContainsKey(target))
        {
            return ChannelOpError.UserNotInChannel;
        }
        return ChannelOpError.None;
    }

    /// <summary>
    /// INVITE: members only; with +i, operators only; not someone already there.
    /// https://modern.ircdocs.horse/#invite-message
    /// </summary>
    public static ChannelOpError CheckInvite(Channel channel, IrcUser inviter, IrcUser target)
    {
        if (!channel.Members.ContainsKey(inviter))
        {
            return ChannelOpError.NotOnChannel;
        }
        if (channel.Has(ChannelModeFlags.InviteOnly) && !IsOperator(channel, inviter))
        {
            return ChannelOpError.ChanOpPrivsNeeded;
        }
        if (channel.Members.ContainsKey(target))
        {
            return ChannelOpError.UserOnChannel;
        }
        return ChannelOpError.None;
    }

    /// <summary>
    /// Whether an INVITE from <paramref name="inviter"/> lets its target past +i, +k, +l and
    /// bans. Only an operator's does (as Ergo, ergochat/ergo#1876): anyone may invite on a
    /// channel without +i, but that must not open a ban or a key to whoever they like.
    /// </summary>
    public static bool InviteGrantsEntry(Channel channel, IrcUser inviter) => IsOperator(channel, inviter);

    /// <summary>Who sees an invite-notify INVITE: members who could have sent that invite themselves (ops on +i, else everyone).
    /// https://ircv3.net/specs/extensions/invite-notify</summary>
    public static bool CouldInvite(Channel channel, MemberStatus status)
        => !channel.Has(ChannelModeFlags.InviteOnly) || status.HasFlag(MemberStatus.Operator);
}
