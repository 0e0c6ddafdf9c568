using Parley.Server.Sessions;

namespace Parley.Server.Network;

// Multiclient across nodes, in channels (issue 9; docs/cluster.md, "One account on several
// nodes"). An account logged in on several nodes has one IrcUser per node (each node's
// connections attach to its own), but is ONE channel member network-wide: the member's
// identity is the account's primary's (node, id), the first of its sessions in the account
// grain. On the primary's node the member is the primary itself; on another node of the
// account the member is that node's own user of the account, standing for the primary
// (IrcUser.MemberAs, the "proxy"); on every other node it is the usual stub. So NAMES shows one
// member everywhere, lines to the channel reach the account's connections on every node (each
// node delivers to its own), and a command of any of the account's users is the member's.
// When the primary's node applies a command another node's user of the account sent (or the
// other way round), the actor is a local user and nobody's session acted here: its connections
// all get what the acting one got (the echo of a message, a JOIN, a PART), as the other
// connections of one user do on a single node. When the primary leaves its node while the
// account stays elsewhere, its membership passes to the next session (ChannelOp.Rebind), which
// no member sees. On a single node Link is null and none of this runs.
public sealed partial class IrcNetwork
{
    /// <summary>Local users standing for their account's primary on another node, by the primary's (node, id).</summary>
    private Dictionary<(string Node, long Id), IrcUser>? _proxiesStore;

    /// <summary>Local users whose account has sessions on other nodes, by id: other nodes' commands name them by their (node, id).</summary>
    private Dictionary<long, IrcUser>? _primariesStore;

    /// <summary>
    /// Member identities handed over (ChannelOp.Rebind): old (node, id) → new. A command the old
    /// identity sent before the hand-over but sequenced after it in some channel still names the
    /// member. Bounded: cleared past <see cref="MaxRebound"/> entries (a late command then names
    /// nobody, as after a QUIT).
    /// </summary>
    private Dictionary<(string Node, long Id), (string Node, long Id)>? _reboundStore;

    private const int MaxRebound = 4096;

    /// <summary>Replicas held while the account's user on another node joins them (<see cref="HoldReplica"/>): channel → how many joins.</summary>
    private Dictionary<string, int>? _heldForAccountStore;

    private Dictionary<(string Node, long Id), IrcUser> Proxies => _proxiesStore ??= [];
    private Dictionary<long, IrcUser> Primaries => _primariesStore ??= [];
    private Dictionary<(string Node, long Id), (string Node, long Id)> Rebound => _reboundStore ??= [];

    /// <summary>
    /// Shows a local user's connections a channel its account's user on another node joined
    /// (topic and NAMES, after the JOIN line the apply delivered), formatted by the command layer
    /// for each connection's capabilities. Set by <see cref="ServerContext"/>; called outside the lock.
    /// </summary>
    public Action<IrcUser, ChannelView>? ShowJoinToSessions { get; set; }

    /// <summary>
    /// The acting connection of a command that another node's user of the account sent: none of
    /// this user's connections, so each of them gets what the actor's other connections get.
    /// </summary>
    public static IClientSink ActingElsewhere => ElsewhereSession.Instance;

    /// <summary>Whether the actor's other connections see its copy: it has several, or it acted on another node.</summary>
    private static bool EchoesToOthers(ClientSessions sessions, IClientSink owner) => sessions.Count > 1 || owner == ElsewhereSession.Instance;

    /// <summary>
    /// The account grain told this node about the sessions of the local user
    /// <paramref name="userId"/>'s account: whether there are others, and which takes its
    /// memberships over if it leaves (the first other session).
    /// </summary>
    public void SetAccountSessions(long userId, bool elsewhere, (string Node, long Id)? successor)
    {
        lock (_gate)
        {
            if (LocalUserByIdLocked(userId) is not { } user)
            {
                return;
            }
            user.SessionsElsewhere = elsewhere;
            user.Successor = elsewhere ? successor : null;
            if (elsewhere && user.MemberAs is null)
            {
                Primaries[userId] = user;
            }
            else if (_primariesStore is { } primaries && primaries.TryGetValue(userId, out var p) && p == user)
            {
                primaries.Remove(userId);
            }
        }
    }

    /// <summary>
    /// The local user <paramref name="userId"/> (just attached to its account's nick held on
    /// other nodes) stands for the account's primary, another node's user, in channels: a stub of
    /// the primary in this node's replicas becomes this user. False if no such registered user.
    /// </summary>
    public bool BecomeProxy(long userId, string node, long id)
    {
        lock (_gate)
        {
            if (LocalUserByIdLocked(userId) is not { } user)
            {
                return false;
            }
            user.MemberAs = (node, id);
            Proxies[(node, id)] = user;
            _primariesStore?.Remove(userId);
            if (_remoteUsers.TryGetValue((node, id), out var stub))
            {
                SwapMemberLocked(stub, user);
                ForgetStubLocked(stub);
            }
            return true;
        }
    }

    /// <summary>The channels of the local user <paramref name="userId"/> (another node of its account shows them to its connection).</summary>
    public string[] UserChannelNames(long userId)
    {
        lock (_gate)
        {
            return LocalUserByIdLocked(userId) is { } user ? [.. user.Channels.Select(c => c.Name)] : [];
        }
    }

    /// <summary>The user's channels as a connection attaching to it is shown them (as <see cref="Attach"/> returns them).</summary>
    public List<AttachedChannel> AttachedChannelsOf(IrcUser user)
    {
        lock (_gate)
        {
            var channels = new List<AttachedChannel>(user.Channels.Count);
            var time = NowTag();
            foreach (var channel in user.Channels)
            {
                channels.Add(new AttachedChannel(
                    new OutboundMessage(user.Prefix, "JOIN", channel.Name) { Time = time, Account = user.Account },
                    new OutboundMessage(user.Prefix, "JOIN", channel.Name, user.Account ?? "*", user.Realname) { Time = time, Account = user.Account },
                    ViewLocked(channel)));
            }
            return channels;
        }
    }

    /// <summary>The id of the registered local user holding <paramref name="nick"/>, or null.</summary>
    public long? LocalUserIdOf(string nick)
    {
        lock (_gate)
        {
            return _nicks.TryGetValue(nick, out var user) && user.IsRegistered ? user.Id : null;
        }
    }

    /// <summary>
    /// Keeps this node's replica of <paramref name="channel"/> while the account's user on
    /// another node joins it (<paramref name="hold"/>), so the local user of the account becomes a
    /// member with the JOIN; or lets it go (dropped if none of its users is on it).
    /// </summary>
    public void HoldReplica(string channel, bool hold)
    {
        lock (_gate)
        {
            var held = _heldForAccountStore ??= new(CaseMapping.Comparer);
            var count = held.GetValueOrDefault(channel) + (hold ? 1 : -1);
            if (count > 0)
            {
                held[channel] = count;
                return;
            }
            // Also a release whose hold failed (its subscription did not answer): nothing below zero.
            held.Remove(channel);
            TryDropReplicaLocked(channel);
        }
    }

    /// <summary>
    /// The member a command names, as this node knows it: this node's own user (the account's
    /// primary, named by a command another node of its account sent; null if gone), a local user
    /// standing for another node's primary, or the stub of another node's user. Under the lock.
    /// </summary>
    private IrcUser? ResolveMemberLocked(MemberInfo info, string self)
    {
        var key = (info.Node, info.UserId);
        if (_reboundStore is { } rebound && rebound.TryGetValue(key, out var now))
        {
            key = now;
            info = info with { Node = now.Node, UserId = now.Id };
        }
        if (key.Node == self)
        {
            return _primariesStore?.GetValueOrDefault(key.UserId) ?? LocalUserByIdLocked(key.UserId);
        }
        if (_proxiesStore is { } proxies && proxies.TryGetValue(key, out var proxy))
        {
            return proxy;
        }
        return RemoteStubLocked(info);
    }

    /// <summary>Puts <paramref name="to"/> in every channel of <paramref name="from"/>, with its status, in its place. Under the lock.</summary>
    private static void SwapMemberLocked(IrcUser from, IrcUser to)
    {
        foreach (var channel in from.Channels)
        {
            var status = channel.Members[from];
            channel.Members.Remove(from);
            channel.Members[to] = status;
            to.Channels.Add(channel);
        }
        from.Channels.Clear();
    }

    /// <summary>
    /// The local user leaves (its last connection ended) while its account stays on other nodes:
    /// nobody sees it go. A user standing for the primary hands its place back to a stub of the
    /// primary; the primary hands its memberships to its successor (ChannelOp.Rebind, through
    /// each channel's grain). False when this is an ordinary leave (a QUIT). Under the lock.
    /// </summary>
    private bool LeaveQuietlyLocked(IrcUser user)
    {
        if (Link is not { } link || !user.IsRegistered)
        {
            return false;
        }
        if (user.MemberAs is { } identity)
        {
            if (Proxies.TryGetValue(identity, out var p) && p == user)
            {
                Proxies.Remove(identity);
            }
            var info = MemberInfo.Of(link.NodeId, user);
            user.MemberAs = null;
            HandOverLocked(user, info);
            return true;
        }
        if (user.SessionsElsewhere && user.Successor is { } next)
        {
            _primariesStore?.Remove(user.Id);
            if (user.Channels.Count > 0)
            {
                var info = MemberInfo.Of(link.NodeId, user);
                var id = ++_nextCommandId;
                var args = new[] { next.Node, next.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) };
                var commands = new List<ChannelCommand>(user.Channels.Count);
                foreach (var channel in user.Channels)
                {
                    commands.Add(new ChannelCommand(id, link.NodeId, ChannelOp.Rebind, channel.Name, info, args, null, Now, NewMsgId()));
                }
                link.UserEventApplied(commands);
                NoteReboundLocked((link.NodeId, user.Id), next);
                HandOverLocked(user, info with { Node = next.Node, UserId = next.Id });
            }
            return true;
        }
        return false;
    }

    /// <summary>A stub made from <paramref name="info"/> takes the local user's place in each of its channels (replicas left without local members are dropped). Under the lock.</summary>
    private void HandOverLocked(IrcUser user, MemberInfo info)
    {
        if (user.Channels.Count == 0)
        {
            return;
        }
        var channels = user.Channels.ToList();
        var stub = RemoteStubLocked(info);
        SwapMemberLocked(user, stub);
        DropUnusedReplicasLocked(channels);
    }

    private void NoteReboundLocked((string Node, long Id) old, (string Node, long Id) next)
    {
        if (Rebound.Count >= MaxRebound)
        {
            Rebound.Clear();
        }
        Rebound[old] = next;
    }

    /// <summary>
    /// A user event (QUIT, NICK, AWAY, SETNAME, a hand-over) of the member that a local user
    /// stands for, from another node. NICK and the rest reach the local user through its own
    /// node (the account's rename; its own AWAY); a QUIT means the primary left without a
    /// successor (it did not know of this node yet): the local user leaves the channels here,
    /// its connections seeing a PART. Under the lock.
    /// </summary>
    private void ApplyAccountUserEventLocked(IrcUser local, ChannelCommand command, string self)
    {
        switch (command.Op)
        {
            case ChannelOp.Rebind:
                RebindLocked(local, command, self);
                break;
            case ChannelOp.Quit when local.MemberAs is not null:
                OrphanLocked(local, command.Args.Count > 0 ? command.Args[0] : "Quit");
                break;
        }
    }

    /// <summary>
    /// The member <paramref name="actor"/> (a stub, or the local user standing for it) passes to
    /// a new (node, id), in every channel at once (the copies through the member's other
    /// channels then find it done). Nobody sees anything. Under the lock.
    /// </summary>
    private void RebindLocked(IrcUser actor, ChannelCommand command, string self)
    {
        var old = (command.Actor.Node, command.Actor.UserId);
        var next = (Node: command.Args[0], Id: long.Parse(command.Args[1], System.Globalization.CultureInfo.InvariantCulture));
        if (old == next)
        {
            return;
        }
        NoteReboundLocked(old, next);
        if (actor.RemoteNode is null)
        {
            if (actor.MemberAs == old)
            {
                Proxies.Remove(old);
                if (next.Node == self && next.Id == actor.Id)
                {
                    // This node's user is the primary now.
                    actor.MemberAs = null;
                    if (actor.SessionsElsewhere)
                    {
                        Primaries[actor.Id] = actor;
                    }
                }
                else
                {
                    actor.MemberAs = next;
                    Proxies[next] = actor;
                }
            }
            return;
        }
        if (actor.RemoteNode == next.Node && actor.Id == next.Id)
        {
            return;
        }
        IrcUser? to = next.Node == self ? LocalUserByIdLocked(next.Id)
            : _proxiesStore?.GetValueOrDefault(next) ?? RemoteStubLocked(MemberInfo.Of(actor.RemoteNode, actor) with { Node = next.Node, UserId = next.Id });
        if (to is null)
        {
            // The successor, this node's user, left too before the hand-over reached here: the
            // member is gone. Local users see it quit, and the other nodes are told, the member
            // named by its new (node, id), which they took on with the hand-over.
            var quit = new OutboundMessage(actor.Prefix, "QUIT", "Quit") { Time = NowTag(), MsgId = NewMsgId(), Account = actor.Account };
            foreach (var other in CommonUsers(actor))
            {
                other.Sink.Deliver(quit);
            }
            if (Link is { } link && actor.Channels.Count > 0)
            {
                var info = MemberInfo.Of(actor.RemoteNode, actor) with { Node = next.Node, UserId = next.Id };
                var id = ++_nextCommandId;
                link.UserEventApplied([.. actor.Channels.Select(c => new ChannelCommand(id, link.NodeId, ChannelOp.Quit, c.Name, info, ["Quit"], quit, Now, quit.MsgId!))]);
            }
            RemoveStubEverywhereLocked(actor);
            return;
        }
        SwapMemberLocked(actor, to);
        ForgetStubLocked(actor);
    }

    /// <summary>
    /// The primary that the local user stood for is gone without handing its memberships over
    /// (its node died, or it quit not knowing of this node): the local user leaves each channel
    /// here, its connections seeing a PART with <paramref name="reason"/> and the local members
    /// the member's QUIT, as the other nodes saw it. Under the lock.
    /// </summary>
    private void OrphanLocked(IrcUser user, string reason)
    {
        if (user.MemberAs is not { } identity)
        {
            return;
        }
        Proxies.Remove(identity);
        user.MemberAs = null;
        var time = NowTag();
        // The local members sharing a channel with it see the member quit, as everyone elsewhere does.
        var quit = new OutboundMessage(user.Prefix, "QUIT", reason) { Time = time, MsgId = NewMsgId(), Account = user.Account };
        foreach (var other in CommonUsers(user))
        {
            other.Sink.Deliver(quit);
        }
        foreach (var channel in user.Channels.ToList())
        {
            user.Sink.Deliver(new OutboundMessage(user.Prefix, "PART", channel.Name, reason) { Time = time, MsgId = NewMsgId(), Account = user.Account });
            RemoveMemberLocked(channel, user);
            TryDropReplicaLocked(channel.Name);
        }
    }

    /// <summary>Local users standing for a primary on a node that died: they leave its channels here (see <see cref="OrphanLocked"/>). Under the lock.</summary>
    private void OrphanProxiesOfLocked(string node, string reason)
    {
        if (_proxiesStore is not { Count: > 0 } proxies)
        {
            return;
        }
        foreach (var user in proxies.Where(kv => kv.Key.Node == node).Select(kv => kv.Value).ToList())
        {
            OrphanLocked(user, reason);
        }
    }

    /// <summary>The acting connection when another node's user of the account acted: none of the local user's.</summary>
    private sealed class ElsewhereSession : IClientSink
    {
        public static readonly ElsewhereSession Instance = new();

        public Capability Caps => Capability.None;

        public void Deliver(OutboundMessage message)
        {
        }

        public void Disconnect(string reason)
        {
        }
    }
}
