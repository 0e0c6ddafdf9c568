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

    public static bool IsBanned(Channel channel, IrcUser user, CaseMapping mapping)
        => MatchesAny(channel.Bans, user, mapping) && !MatchesAny(channel.Excepts, user, mapping);

    public static bool MatchesAny(List<ListEntry> list, IrcUser user, CaseMapping mapping)
    {
        if (list.Count == 0)
        {
            return false;
        }
        var full = user.Prefix;
        var real = $"{user.Nick}!{user.Username}@{user.RealHost}";
        foreach (var entry in list)
        {
            if (HostMask.Matches(entry.Mask, full, mapping) || HostMask.Matches(entry.Mask, real, mapping))
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
    }

    /// <summary>Whether <paramref name="user"/> may send to the channel: +n, +m, bans (voice or op overrides +m and bans).</summary>
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
        return SendError.None;
    }
}
