using Parley.Server.Sessions;

namespace Parley.Server.Network;

/// <summary>One user as a WHO reply shows them, taken under the lock.</summary>
/// <param name="Channel">The channel the reply is about, or null for a nick or mask query.</param>
/// <param name="Status">The user's prefixes on <paramref name="Channel"/> (None without one).</param>
/// <param name="RealIp">The connection's address; the formatter shows it only to the user and opers.</param>
public readonly record struct WhoEntry(
    string? Channel,
    string Nick,
    string Username,
    string Host,
    string RealIp,
    string Realname,
    string? Account,
    bool Away,
    bool Operator,
    bool Bot,
    MemberStatus Status,
    long IdleSeconds);

/// <summary>What WHOIS shows of one user to one viewer, taken under the lock.</summary>
/// <param name="Channels">The memberships the viewer may see, with the target's prefixes.</param>
public sealed record WhoisInfo(
    string Nick,
    string Username,
    string Host,
    string RealHost,
    string RealIp,
    string Realname,
    string? Account,
    string? AwayMessage,
    bool Operator,
    bool Bot,
    IReadOnlyList<(string Name, MemberStatus Status)> Channels,
    long IdleSeconds,
    DateTimeOffset SignOnAt,
    bool Secure = false,
    string? CertFingerprint = null);

/// <summary>One USERHOST reply: <c>nick[*]=[+|-]user@host</c>.</summary>
public readonly record struct UserhostEntry(string Nick, bool Operator, bool Away, string Username, string Host);

// Presence and identity: WHO, WHOIS, ISON, USERHOST, AWAY, SETNAME, OPER, WALLOPS.
// https://modern.ircdocs.horse/#user-based-queries
public sealed partial class IrcNetwork
{
    /// <summary>
    /// WHO <paramref name="mask"/> as <paramref name="viewer"/> may see it (in the manner of
    /// Ergo): a channel lists its members (a secret channel only to members and opers; invisible
    /// members only to fellow members and opers); a bare nick returns that user even when
    /// invisible; a mask with <c>!</c> or <c>@</c> is matched against nick!user@host, any other
    /// mask against the nick, username, host, realname and server name, and returns the
    /// invisible only to opers and to those who share a channel with them.
    /// https://modern.ircdocs.horse/#who-message
    /// </summary>
    /// <param name="operatorsOnly">The <c>o</c> flag: only IRC operators are returned.</param>
    public List<WhoEntry> Who(IrcUser viewer, string mask, bool operatorsOnly)
    {
        var result = new List<WhoEntry>();
        lock (_gate)
        {
            if (ChannelNames.IsChannel(mask))
            {
                if (_channels.TryGetValue(mask, out var channel))
                {
                    WhoChannelLocked(viewer, channel, operatorsOnly, result);
                }
                return result;
            }

            if (mask.AsSpan().IndexOfAny("*?!@") < 0 && mask != "0")
            {
                if (_nicks.TryGetValue(mask, out var target) && target.IsRegistered && (!operatorsOnly || target.IsOperator))
                {
                    result.Add(WhoEntryLocked(target, null, MemberStatus.None));
                }
                return result;
            }

            var all = mask is "*" or "0";
            var hostmask = mask.AsSpan().IndexOfAny("!@") >= 0 ? HostMask.Normalize(mask) : null;
            foreach (var user in _users)
            {
                if (!user.IsRegistered || (operatorsOnly && !user.IsOperator))
                {
                    continue;
                }
                if (!all && !(hostmask is not null ? HostMask.Matches(hostmask, user.Prefix, CaseMapping) : MatchesAnyField(mask, user)))
                {
                    continue;
                }
                if (user.IsInvisible && user != viewer && !viewer.IsOperator && !SharesChannelLocked(viewer, user))
                {
                    continue;
                }
                result.Add(WhoEntryLocked(user, null, MemberStatus.None));
            }
        }
        return result;
    }

    /// <summary>WHO of a channel's members as <paramref name="viewer"/> may see them (see <see cref="Who"/>). Under the lock.</summary>
    private void WhoChannelLocked(IrcUser viewer, Channel channel, bool operatorsOnly, List<WhoEntry> result)
    {
        var joined = channel.Members.ContainsKey(viewer);
        if (channel.Has(ChannelModeFlags.Secret) && !joined && !viewer.IsOperator)
        {
            return;
        }
        foreach (var (member, status) in channel.Members)
        {
            if ((joined || viewer.IsOperator || !member.IsInvisible) && (!operatorsOnly || member.IsOperator))
            {
                result.Add(WhoEntryLocked(member, channel.Name, status));
            }
        }
    }

    /// <summary>
    /// WHOIS of <paramref name="nick"/> for <paramref name="viewer"/>, or null when no such user.
    /// A membership is hidden when the channel is secret or the target invisible, unless the
    /// viewer is on that channel too, or is the target, or an oper (as Ergo).
    /// https://modern.ircdocs.horse/#whois-message
    /// </summary>
    public WhoisInfo? Whois(IrcUser viewer, string nick)
    {
        lock (_gate)
        {
            if (!_nicks.TryGetValue(nick, out var target) || !target.IsRegistered)
            {
                return null;
            }
            var channels = new List<(string, MemberStatus)>();
            foreach (var channel in target.Channels)
            {
                var hidden = channel.Has(ChannelModeFlags.Secret) || target.IsInvisible;
                if (hidden && viewer != target && !viewer.IsOperator && !channel.Members.ContainsKey(viewer))
                {
                    continue;
                }
                channels.Add((channel.Name, channel.Members[target]));
            }
            return new WhoisInfo(target.Nick, target.Username, target.Host, target.RealHost, target.RealIp, target.Realname,
                target.Account, target.AwayMessage, target.IsOperator, target.IsBot, channels, IdleSecondsLocked(target), target.SignOnAt,
                Secure: target.IsSecure, CertFingerprint: target.CertFingerprint);
        }
    }

    /// <summary>Of <paramref name="nicks"/>, those online, in their current spelling. https://modern.ircdocs.horse/#ison-message</summary>
    public List<string> Ison(IEnumerable<string> nicks)
    {
        var online = new List<string>();
        lock (_gate)
        {
            foreach (var nick in nicks)
            {
                if (_nicks.TryGetValue(nick, out var u) && u.IsRegistered)
                {
                    online.Add(u.Nick);
                }
            }
        }
        return online;
    }

    /// <summary>USERHOST entries for those of <paramref name="nicks"/> online, each user once. https://modern.ircdocs.horse/#userhost-message</summary>
    public List<UserhostEntry> Userhost(IEnumerable<string> nicks)
    {
        var entries = new List<UserhostEntry>();
        var seen = new HashSet<IrcUser>();
        lock (_gate)
        {
            foreach (var nick in nicks)
            {
                if (_nicks.TryGetValue(nick, out var u) && u.IsRegistered && seen.Add(u))
                {
                    entries.Add(new UserhostEntry(u.Nick, u.IsOperator, u.AwayMessage is not null, u.Username, u.Host));
                }
            }
        }
        return entries;
    }

    /// <summary>
    /// Sets (<paramref name="message"/> non-null) or clears the user's away message. When it
    /// changes, users sharing a channel who have away-notify, and MONITOR watchers who have
    /// away-notify and extended-monitor, get <c>AWAY [:message]</c> from the user.
    /// https://ircv3.net/specs/extensions/away-notify, https://ircv3.net/specs/extensions/extended-monitor
    /// </summary>
    public void SetAway(IrcUser user, string? message)
    {
        lock (_gate)
        {
            user.AutoAway = false;
            SetAwayLocked(user, message);
        }
    }

    private void SetAwayLocked(IrcUser user, string? message)
    {
        if (user.AwayMessage == message)
        {
            return;
        }
        user.AwayMessage = message;
        if (!user.IsRegistered)
        {
            return;
        }
        string[] parameters = message is null ? [] : [message];
        var away = new OutboundMessage(user.Prefix, "AWAY", parameters) { Time = NowTag(), Account = user.Account, Bot = user.IsBot };
        foreach (var other in NotifyAudienceLocked(user, Capability.AwayNotify))
        {
            other.Sink.Deliver(away, Capability.AwayNotify);
        }
        ReplicateUserEventLocked(user, ChannelOp.Away, parameters, away);
    }

    /// <summary>
    /// Changes the user's realname. Users sharing a channel who have setname, MONITOR watchers
    /// who have setname and extended-monitor, and the user (through <paramref name="replies"/>,
    /// when it has setname) get <c>SETNAME :realname</c>.
    /// https://ircv3.net/specs/extensions/setname
    /// </summary>
    public void SetRealname(IrcUser user, string realname, ReplyBuffer replies)
    {
        lock (_gate)
        {
            user.Realname = realname;
            var message = new OutboundMessage(user.Prefix, "SETNAME", realname) { Time = NowTag(), MsgId = NewMsgId(), Account = user.Account, Bot = user.IsBot };
            if (ActorCaps(user, replies).HasFlag(Capability.Setname))
            {
                replies.Add(message);
            }
            EchoToOtherSessionsLocked(user, replies, message, Capability.Setname);
            foreach (var other in NotifyAudienceLocked(user, Capability.Setname))
            {
                other.Sink.Deliver(message, Capability.Setname);
            }
        }
    }

    /// <summary>Makes the user an IRC operator (user mode +o); false when they already were.</summary>
    public bool GrantOperator(IrcUser user, string operName)
    {
        lock (_gate)
        {
            user.OperName = operName;
            if (user.IsOperator)
            {
                return false;
            }
            SetModesLocked(user, user.Modes | UserModes.Operator);
            return true;
        }
    }

    /// <summary>
    /// WALLOPS: every user with +w gets <c>:from WALLOPS :text</c>; the sender, when it has +w,
    /// through <paramref name="replies"/>. Returns how many received it.
    /// https://modern.ircdocs.horse/#wallops-message
    /// </summary>
    public int Wallops(IrcUser from, string text, ReplyBuffer replies)
    {
        lock (_gate)
        {
            var message = new OutboundMessage(from.Prefix, "WALLOPS", text) { Time = NowTag(), Account = from.Account };
            var n = 0;
            foreach (var user in _users)
            {
                if (!user.IsRegistered || !user.Modes.HasFlag(UserModes.Wallops))
                {
                    continue;
                }
                if (user == from)
                {
                    replies.Add(message);
                }
                else
                {
                    user.Sink.Deliver(message);
                }
                n++;
            }
            return n;
        }
    }

    /// <summary>
    /// Who hears of a change to <paramref name="user"/> that <paramref name="cap"/> announces
    /// (away-notify, setname, chghost, account-notify): users sharing a channel with the cap,
    /// and MONITOR watchers with the cap and extended-monitor; each once, never the user.
    /// https://ircv3.net/specs/extensions/extended-monitor
    /// </summary>
    internal HashSet<IrcUser> NotifyAudienceLocked(IrcUser user, Capability cap)
    {
        var audience = CommonUsers(user);
        audience.RemoveWhere(u => (u.Sink.Caps & cap) != cap);
        audience.UnionWith(MonitorWatchersLocked(user, cap));
        return audience;
    }

    private WhoEntry WhoEntryLocked(IrcUser u, string? channel, MemberStatus status)
        => new(channel, u.Nick, u.Username, u.Host, u.RealIp, u.Realname, u.Account, u.AwayMessage is not null,
            u.IsOperator, u.IsBot, status, IdleSecondsLocked(u));

    private long IdleSecondsLocked(IrcUser u) => Math.Max(0, (long)(Now - u.LastActiveAt).TotalSeconds);

    private static bool SharesChannelLocked(IrcUser a, IrcUser b)
    {
        var (small, other) = a.Channels.Count <= b.Channels.Count ? (a, b) : (b, a);
        foreach (var channel in small.Channels)
        {
            if (channel.Members.ContainsKey(other))
            {
                return true;
            }
        }
        return false;
    }

    private bool MatchesAnyField(string mask, IrcUser u)
        => HostMask.Matches(mask, u.Nick, CaseMapping)
           || HostMask.Matches(mask, u.Username, CaseMapping)
           || HostMask.Matches(mask, u.Host, CaseMapping)
           || HostMask.Matches(mask, u.Realname, CaseMapping)
           || HostMask.Matches(mask, ServerName, CaseMapping);
}
