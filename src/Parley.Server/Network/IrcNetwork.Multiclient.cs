using Parley.Server.Sessions;

namespace Parley.Server.Network;

/// <summary>One channel as a connection that attaches to a multiclient user is shown it.</summary>
/// <param name="Join">The user's JOIN (without and with extended-join).</param>
public sealed record AttachedChannel(OutboundMessage Join, OutboundMessage ExtendedJoin, ChannelView View);

/// <summary>
/// What an always-on user missed while it had no connection: the lines from
/// <paramref name="Since"/> (its last connection's last line) to the attach of the next one,
/// <paramref name="UntilMs"/> (Unix ms, exclusive: every line from there on was delivered live).
/// </summary>
public sealed record MissedWindow(DateTimeOffset Since, long UntilMs);

// Multiclient (as Ergo's): connections logged in to one account share its user, so its nick,
// channels and messages. https://github.com/ergochat/ergo/blob/master/docs/MANUAL.md#multiclient-bouncer
public sealed partial class IrcNetwork
{
    /// <summary>The away message of an always-on user with no connection.</summary>
    public const string AutoAwayMessage = "Disconnected; messages are kept until I reconnect";

    /// <summary>
    /// Whether <paramref name="nick"/> is held by a registered user logged in to an account, to
    /// which a connection logging in to that account could attach.
    /// </summary>
    public bool IsHeldByAccountUser(string nick)
    {
        lock (_gate)
        {
            return _nicks.TryGetValue(nick, out var holder) && holder.IsRegistered && holder.Account is not null;
        }
    }

    /// <summary>
    /// Makes the not yet registered <paramref name="user"/> one more connection of the user
    /// holding <paramref name="nick"/>, when both are logged in to the same account: its
    /// deliveries go there from now on and its own user is gone (never seen by anyone). Returns
    /// the user attached to and its channels as the connection should be shown them, and, when
    /// the user had no connection (always-on), what it missed meanwhile; or null when it may not
    /// attach (the nick is free, someone else's, or the user registered).
    /// </summary>
    public (IrcUser Target, List<AttachedChannel> Channels, MissedWindow? Missed)? Attach(IrcUser user, string nick)
    {
        lock (_gate)
        {
            if (!_users.Contains(user) || user.IsRegistered || user.Account is not { } account
                || !_nicks.TryGetValue(nick, out var target) || target == user || !target.IsRegistered
                || target.Account is not { } held || !CaseMapping.Equals(held, account))
            {
                return null;
            }
            if (user.Nick != "*" && _nicks.TryGetValue(user.Nick, out var holder) && holder == user)
            {
                _nicks.Remove(user.Nick);
                Link?.ReleaseNick(user.Nick, user.Id);
            }
            _users.Remove(user);
            _nickClaims.Remove(user);
            RemoveMonitorsLocked(user);
            MissedWindow? missed = target.Sink.Count == 0 && target.LastSeen is { } seen
                ? new MissedWindow(seen, TakeTimeCutLocked())
                : null;
            target.LastSeen = null;
            target.Sink.Attach(user.Sink);
            user.AttachedTo = target;
            AdoptMetadataLocked(user, target, user.Sink.Entries[0].Key);
            if (target.AutoAway)
            {
                target.AutoAway = false;
                SetAwayLocked(target, null);
            }

            var channels = new List<AttachedChannel>(target.Channels.Count);
            var time = NowTag();
            foreach (var channel in target.Channels)
            {
                channels.Add(new AttachedChannel(
                    new OutboundMessage(target.Prefix, "JOIN", channel.Name) { Time = time, Account = target.Account },
                    new OutboundMessage(target.Prefix, "JOIN", channel.Name, target.Account ?? "*", target.Realname) { Time = time, Account = target.Account },
                    ViewLocked(channel)));
            }
            return (target, channels, missed);
        }
    }

    /// <summary>
    /// Makes <paramref name="user"/> always-on or not, while it is still logged in to
    /// <paramref name="account"/>. An always-on user whose last connection ends stays.
    /// </summary>
    public void SetAlwaysOn(IrcUser user, string account, bool alwaysOn)
    {
        lock (_gate)
        {
            if (user.Account is { } current && CaseMapping.Equals(current, account))
            {
                user.AlwaysOn = alwaysOn;
            }
        }
    }

    /// <summary>The capabilities of the user's connections other than <paramref name="actor"/>, each set once.</summary>
    public List<Capability> OtherSessionCaps(IrcUser user, IClientSink actor)
    {
        var list = new List<Capability>();
        foreach (var (key, target) in user.Sink.Entries)
        {
            if (key != actor && !list.Contains(target.Caps))
            {
                list.Add(target.Caps);
            }
        }
        return list;
    }

    /// <summary>
    /// Sends each of the user's connections other than <paramref name="actor"/> the lines made
    /// for its capabilities (a JOIN's topic and NAMES, for the others; see <see cref="OtherSessionCaps"/>).
    /// </summary>
    public void DeliverToOtherSessions(IrcUser user, IClientSink actor, IReadOnlyDictionary<Capability, List<OutboundMessage>> lines)
    {
        lock (_gate)
        {
            foreach (var (key, target) in user.Sink.Entries)
            {
                if (key != actor && lines.TryGetValue(target.Caps, out var list))
                {
                    foreach (var line in list)
                    {
                        target.Deliver(line);
                    }
                }
            }
        }
    }

    /// <summary>How many connections the user has now.</summary>
    public int SessionCount(IrcUser user)
    {
        lock (_gate)
        {
            return user.Sink.Count;
        }
    }

    /// <summary>The capabilities of the connection acting for <paramref name="user"/>: the owner of <paramref name="replies"/>.</summary>
    private static Capability ActorCaps(IrcUser user, ReplyBuffer? replies)
        => replies?.Owner?.Caps ?? user.Sink.Caps;

    /// <summary>
    /// What the acting connection gets through <paramref name="replies"/>, the user's other
    /// connections (multiclient) get too: a JOIN, PART, NICK… by one of them is seen by all.
    /// </summary>
    private static void EchoToOtherSessionsLocked(IrcUser user, ReplyBuffer? replies, OutboundMessage message, Capability required = Capability.None)
    {
        // Without an acting connection (a rename by the sweeper) the caller delivers to all.
        if (replies?.Owner is { } owner && EchoesToOthers(user.Sink, owner))
        {
            user.Sink.DeliverExcept(owner, message, required);
        }
    }
}
