using System.Globalization;
using Parley.Protocol;
using Parley.Server.Sessions;

namespace Parley.Server.Network;

/// <summary>
/// The only shared mutable state of a Parley node (ARCHITECTURE.md rule 1): nicks, users,
/// channels, WHOWAS and MONITOR. Sessions ask it; it delivers to outboxes.
/// </summary>
/// <remarks>
/// Threading: one lock, <c>_gate</c>, guards everything here and every <see cref="IrcUser"/>
/// and <see cref="Channel"/> field. It is the serialization point for every channel and for
/// nick ownership, so every member sees a channel's events in one order. Critical sections are
/// short: they change state and append to outboxes (which never block); no I/O, no await.
/// Replies for the acting client go to its <see cref="ReplyBuffer"/>, everyone else's to their
/// <see cref="IClientSink"/>. Nothing here calls back into a session.
/// </remarks>
public sealed partial class IrcNetwork
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, IrcUser> _nicks;
    private readonly Dictionary<string, Channel> _channels;
    private readonly HashSet<IrcUser> _users = [];
    private readonly TimeProvider _time;
    private readonly string _msgIdPrefix;
    private long _nextUserId;
    private long _nextMsgId;
    private long _lastTagMs;
    private int _maxUsers;

    // LUSERS counts, kept as users register, change modes and leave (never by walking every
    // user: a registration must not cost in proportion to the users already here).
    private int _registered;
    private int _invisible;
    private int _operators;

    /// <param name="deliveries">The delivery pipeline (with the history store); null: history off.</param>
    public IrcNetwork(string serverName, CaseMapping caseMapping, TimeProvider time, DeliveryPipeline? deliveries = null)
    {
        Deliveries = deliveries ?? new DeliveryPipeline(null, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        ServerName = serverName;
        CaseMapping = caseMapping;
        _time = time;
        _nicks = new Dictionary<string, IrcUser>(caseMapping.Comparer);
        _channels = new Dictionary<string, Channel>(caseMapping.Comparer);
        _monitors = new Dictionary<string, HashSet<IrcUser>>(caseMapping.Comparer);
        _msgIdPrefix = Convert.ToHexStringLower(BitConverter.GetBytes(Random.Shared.NextInt64()))[..10];
    }

    public string ServerName { get; set; }
    public CaseMapping CaseMapping { get; }
    public TimeProvider Time => _time;

    public DateTimeOffset Now => t_apply?.Now ?? _time.GetUtcNow();

    /// <summary>A new message id, unique on this server (msgid tag).</summary>
    public string NewMsgId()
        => t_apply?.MsgId ?? _msgIdPrefix + Interlocked.Increment(ref _nextMsgId).ToString("x", CultureInfo.InvariantCulture);

    /// <summary>The server-time tag value: ISO 8601, UTC, milliseconds.</summary>
    public static string FormatTime(DateTimeOffset t)
        => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// The server-time of a new message. Never earlier than the last one handed out, even when
    /// the wall clock is set back, so history's (time, sequence) order is the order of events;
    /// the string is shared by everything stamped in the same millisecond.
    /// </summary>
    public string NowTag()
    {
        if (t_apply is { } applying)
        {
            return applying.Time;
        }
        var ms = Now.ToUnixTimeMilliseconds();
        var last = Interlocked.Read(ref _lastTagMs);
        while (ms > last)
        {
            var seen = Interlocked.CompareExchange(ref _lastTagMs, ms, last);
            last = seen == last ? ms : seen;
        }
        var cached = Volatile.Read(ref _lastTag);
        if (cached is not null && cached.Millisecond == last)
        {
            return cached.Text;
        }
        var text = FormatTime(DateTimeOffset.FromUnixTimeMilliseconds(last));
        Volatile.Write(ref _lastTag, new TimeTag(last, text));
        return text;
    }

    private sealed record TimeTag(long Millisecond, string Text);

    /// <summary>
    /// A cut in time, in Unix milliseconds: every time tag issued before this call is earlier
    /// than it, every one issued after is not. Taken under the lock at an attach, it tells the
    /// lines sequenced before (to replay) from those after (delivered live) exactly, even in one
    /// millisecond; the clock's tags may run up to a millisecond ahead for it.
    /// </summary>
    private long TakeTimeCutLocked()
    {
        while (true)
        {
            var last = Interlocked.Read(ref _lastTagMs);
            var cut = Math.Max(Now.ToUnixTimeMilliseconds(), last + 1);
            if (Interlocked.CompareExchange(ref _lastTagMs, cut, last) == last)
            {
                return cut;
            }
        }
    }

    private TimeTag? _lastTag;

    /// <summary>A message from this server (numerics, notices).</summary>
    public OutboundMessage FromServer(string command, params string[] parameters)
        => new(ServerName, command, parameters) { Time = NowTag() };

    /// <summary>A new connection: its user is known but holds no nick until NICK.</summary>
    public IrcUser Connect(IClientSink sink, string host, string realHost)
    {
        var user = new IrcUser(Interlocked.Increment(ref _nextUserId), new ClientSessions(sink, new SequencedSink(Deliveries, sink)), host, realHost, Now);
        lock (_gate)
        {
            _users.Add(user);
        }
        return user;
    }

    /// <summary>The registered user with this nick, or null.</summary>
    public IrcUser? FindUser(string nick)
    {
        lock (_gate)
        {
            return _nicks.TryGetValue(nick, out var u) && u.IsRegistered ? u : null;
        }
    }

    public enum NickResult
    {
        Ok,
        Unchanged,
        InUse,
    }

    /// <summary>
    /// Takes <paramref name="nick"/> for <paramref name="user"/> (validation is the caller's).
    /// For a registered user, everyone sharing a channel with them, and they themselves
    /// (through <paramref name="replies"/>), see the NICK; MONITOR watchers learn both nicks'
    /// new states; the old nick enters WHOWAS.
    /// </summary>
    public NickResult ChangeNick(IrcUser user, string nick, ReplyBuffer? replies)
    {
        lock (_gate)
        {
            if (_nicks.TryGetValue(nick, out var holder))
            {
                if (holder != user)
                {
                    return NickResult.InUse;
                }
                if (user.Nick == nick)
                {
                    return NickResult.Unchanged;
                }
                // A change of case only: the same key stays ours.
            }
            var oldNick = user.Nick;
            var oldPrefix = user.Prefix;
            if (oldNick != "*")
            {
                _nicks.Remove(oldNick);
                if (!CaseMapping.Equals(oldNick, nick))
                {
                    Link?.ReleaseNick(oldNick, user.Id);
                }
            }
            user.Nick = nick;
            _nicks[nick] = user;
            if (!user.IsRegistered)
            {
                return NickResult.Ok;
            }

            var message = new OutboundMessage(oldPrefix, "NICK", nick) { Time = NowTag(), MsgId = NewMsgId(), Account = user.Account };
            foreach (var channel in user.Channels)
            {
                StoreChannelLocked(channel, message);
            }
            replies?.Add(message);
            EchoToOtherSessionsLocked(user, replies, message);
            foreach (var other in CommonUsers(user))
            {
                other.Sink.Deliver(message);
            }
            ReplicateUserEventLocked(user, ChannelOp.Nick, [nick], message);
            if (!CaseMapping.Equals(oldNick, nick))
            {
                // A change of case only is no news to watchers (MONITOR spec; irctest testNickChange).
                RecordWhowas(user, oldNick);
                NotifyMonitorsLocked(oldNick, null);
                NotifyMonitorsLocked(nick, user);
            }
            return NickResult.Ok;
        }
    }

    /// <summary>Marks the user registered: visible to WHO, WHOIS, LUSERS and MONITOR.</summary>
    public void CompleteRegistration(IrcUser user, string username, string realname)
    {
        lock (_gate)
        {
            user.Username = username;
            user.Realname = realname;
            user.IsRegistered = true;
            user.SignOnAt = Now;
            user.LastActiveAt = user.SignOnAt;
            CountLocked(user, +1);
            _maxUsers = Math.Max(_maxUsers, _registered);
            NotifyMonitorsLocked(user.Nick, user);
        }
    }

    /// <summary>
    /// The user leaves: everyone sharing a channel sees the QUIT once, memberships end, the nick
    /// is freed (and enters WHOWAS), watchers are told. Idempotent.
    /// </summary>
    /// <param name="session">
    /// The connection that ends (its own sink), or null when the user leaves whole (KILL). With
    /// multiclient only that connection goes while the user has others, and nobody else sees
    /// anything; an always-on user stays even when its last connection ends.
    /// </param>
    /// <param name="lastSeen">When that connection last sent a line (an always-on user's missed lines are replayed from there); null: now.</param>
    public void Disconnect(IrcUser user, string reason, IClientSink? session = null, DateTimeOffset? lastSeen = null)
    {
        lock (_gate)
        {
            while (user.AttachedTo is { } attached)
            {
                user = attached;
            }
            if (session is not null)
            {
                // Every connection ends here once (Session.Close), whatever happens to its user.
                ForgetMetadataSubscriptionsLocked(session);
            }
            if (session is not null && user.Sink.Contains(session)
                && (user.Sink.Count > 1 || (user.AlwaysOn && user.IsRegistered && _users.Contains(user))))
            {
                if (user.Sink.Detach(session) == 0)
                {
                    // From its last line on, the client may have missed what was said (a
                    // connection that died was silent for a while before it was dropped).
                    user.LastSeen = lastSeen is { } seen && seen < Now ? seen : Now;
                    if (user.AwayMessage is null)
                    {
                        // Always-on with nobody connected: away until a connection comes back (as
                        // Ergo's auto-away), so senders learn their message waits.
                        SetAwayLocked(user, AutoAwayMessage);
                        user.AutoAway = true;
                    }
                }
                return;
            }
            if (!_users.Remove(user))
            {
                return;
            }
            // Multiclient across nodes: the account stays on another node; nobody sees this one go.
            var quiet = LeaveQuietlyLocked(user);
            if (Link is not null && (quiet || user.SessionsElsewhere) && user.Account is { } account)
            {
                _primariesStore?.Remove(user.Id);
                Link.AccountSessionEnded(account, user.Id);
            }
            if (quiet)
            {
                CountLocked(user, -1);
            }
            else if (user.IsRegistered)
            {
                var quit = new OutboundMessage(user.Prefix, "QUIT", reason) { Time = NowTag(), MsgId = NewMsgId(), Account = user.Account };
                foreach (var channel in user.Channels)
                {
                    StoreChannelLocked(channel, quit);
                }
                foreach (var other in CommonUsers(user))
                {
                    other.Sink.Deliver(quit);
                }
                ReplicateUserEventLocked(user, ChannelOp.Quit, [reason], quit);
                foreach (var channel in user.Channels)
                {
                    channel.Members.Remove(user);
                    channel.Invited.Remove(user);
                    if (channel.Members.Count == 0)
                    {
                        _channels.Remove(channel.Name);
                    }
                }
                if (Link is not null)
                {
                    DropUnusedReplicasLocked([.. user.Channels]);
                }
                user.Channels.Clear();
                RecordWhowas(user, user.Nick);
                CountLocked(user, -1);
            }
            if (user.Nick != "*" && _nicks.TryGetValue(user.Nick, out var holder) && holder == user)
            {
                _nicks.Remove(user.Nick);
                Link?.ReleaseNick(user.Nick, user.Id);
                if (user.IsRegistered && !quiet)
                {
                    NotifyMonitorsLocked(user.Nick, null);
                }
            }
            RemoveMonitorsLocked(user);
            user.IsRegistered = false;
        }
    }

    /// <summary>Users who share at least one channel with <paramref name="user"/>, each once, not the user.</summary>
    private HashSet<IrcUser> CommonUsers(IrcUser user)
    {
        var set = new HashSet<IrcUser>();
        foreach (var channel in user.Channels)
        {
            foreach (var member in channel.Members.Keys)
            {
                if (member != user)
                {
                    set.Add(member);
                }
            }
        }
        return set;
    }

    /// <summary>Counts for LUSERS.</summary>
    public LuserCounts GetCounts()
    {
        lock (_gate)
        {
            // In a cluster a channel is counted by one node only (see CountedChannelsLocked).
            var channels = Link is null ? _channels.Count : CountedChannelsLocked();
            // An account logged in on several nodes is one user: a node's user standing for
            // another node's (a proxy, multiclient across nodes) is that node's to count.
            int proxies = 0, proxiesInvisible = 0, proxyOperators = 0;
            foreach (var proxy in _proxiesStore?.Values ?? Enumerable.Empty<IrcUser>())
            {
                if (proxy.IsRegistered)
                {
                    proxies++;
                    proxiesInvisible += proxy.IsInvisible ? 1 : 0;
                    proxyOperators += proxy.IsOperator ? 1 : 0;
                }
            }
            return new LuserCounts(_registered - _invisible - (proxies - proxiesInvisible), _invisible - proxiesInvisible, _operators - proxyOperators,
                _users.Count - _registered, channels, Math.Max(_maxUsers, _registered), proxies);
        }
    }

    /// <summary>Sets a user's modes, keeping the LUSERS counts right.</summary>
    private void SetModesLocked(IrcUser user, UserModes modes)
    {
        if (user.IsRegistered)
        {
            CountLocked(user, -1);
            user.Modes = modes;
            CountLocked(user, +1);
        }
        else
        {
            user.Modes = modes;
        }
    }

    /// <summary>Adds (+1) or removes (-1) a registered user from the LUSERS counts.</summary>
    private void CountLocked(IrcUser user, int delta)
    {
        _registered += delta;
        if (user.IsInvisible)
        {
            _invisible += delta;
        }
        if (user.IsOperator)
        {
            _operators += delta;
        }
    }

    /// <summary>Sends the message to every registered user matching <paramref name="filter"/>.</summary>
    public int Broadcast(Func<IrcUser, bool> filter, OutboundMessage message)
    {
        lock (_gate)
        {
            var n = 0;
            foreach (var u in _users)
            {
                if (u.IsRegistered && filter(u))
                {
                    u.Sink.Deliver(message);
                    n++;
                }
            }
            return n;
        }
    }

    /// <summary>Disconnects every client with <paramref name="reason"/> (shutdown).</summary>
    public void DisconnectAll(string reason)
    {
        List<IrcUser> all;
        lock (_gate)
        {
            all = [.. _users];
        }
        foreach (var u in all)
        {
            u.Sink.Disconnect(reason);
        }
    }
}

/// <param name="Proxies">Registered users here that stand for another node's user of their account (counted there, not in Visible/Invisible/Operators).</param>
public readonly record struct LuserCounts(int Visible, int Invisible, int Operators, int Unknown, int Channels, int MaxUsers, int Proxies = 0)
{
    /// <summary>The users this node counts for the network.</summary>
    public int Total => Visible + Invisible;

    /// <summary>The registered users connected here.</summary>
    public int Local => Total + Proxies;
}
