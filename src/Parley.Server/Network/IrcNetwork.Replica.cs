using Parley.Server.Sessions;

namespace Parley.Server.Network;

// Channels across nodes (issue 9), by state-machine replication: in a cluster every channel
// command (JOIN, PART, a message, TOPIC, MODE, KICK) goes through the channel's grain, which
// numbers it and hands it to each node holding a replica of the channel; every node applies it
// with the ordinary single-node code below (Join, Part, SendToChannel…), in the grain's order, to
// its own Channel object, where members of other nodes are stub IrcUsers that deliver nothing
// (their own node delivers to them). The node whose client sent the command applies it with the
// client's real user and reply buffer, so the client's answer (an echo, a 474, a 404) is the one
// every node computed. Only that node stores the command's lines in history. A member's QUIT,
// NICK and AWAY are applied on its node first (the single-node code), then sent to its channels'
// grains for the others. See docs/DEVELOPING.md, "Channels across nodes". On a single node Link
// is null and nothing here runs.
public sealed partial class IrcNetwork
{
    /// <summary>
    /// Set while this thread applies a replicated command: the command's time and msgid stamp what
    /// it makes (so every node delivers the same lines), and history is written only by the origin.
    /// </summary>
    [ThreadStatic]
    private static ApplyStamp? t_apply;

    private sealed record ApplyStamp(DateTimeOffset Now, string Time, string MsgId, bool Store);

    /// <summary>Stubs of other nodes' users who are members of a channel replica here, by (node, user id).</summary>
    private readonly Dictionary<(string Node, long Id), IrcUser> _remoteUsers = [];

    /// <summary>The same stubs by nick (KICK and MODE name their targets by nick).</summary>
    private Dictionary<string, IrcUser>? _remoteNicksStore;

    /// <summary>The channels this node holds a replica of (subscribed to their grain), members or not yet.</summary>
    private HashSet<string>? _replicasStore;

    /// <summary>Commands of local clients sent to a channel grain and not yet back, by id.</summary>
    private readonly Dictionary<long, PendingCommand> _pending = [];

    /// <summary>How many commands are pending per channel: a replica is not dropped under them.</summary>
    private Dictionary<string, int>? _pendingPerChannelStore;

    private long _nextCommandId;

    private Dictionary<string, IrcUser> RemoteNicks => _remoteNicksStore ??= new(CaseMapping.Comparer);
    private HashSet<string> Replicas => _replicasStore ??= new(CaseMapping.Comparer);
    private Dictionary<string, int> PendingPerChannel => _pendingPerChannelStore ??= new(CaseMapping.Comparer);

    private sealed class PendingCommand(IrcUser actor, ReplyBuffer replies, bool echo, Capability required)
    {
        public IrcUser Actor { get; } = actor;
        public ReplyBuffer Replies { get; } = replies;
        public bool Echo { get; } = echo;
        public Capability Required { get; } = required;
        public object? Result { get; set; }
        public bool Applied { get; set; }
    }

    /// <summary>JOIN, through the channel's grain in a cluster (see <see cref="Join"/>).</summary>
    public async ValueTask<JoinResult> JoinAsync(IrcUser user, string name, string? key, ReplyBuffer replies)
    {
        if (Link is not { } link || !ChannelNames.IsValid(name))
        {
            return Join(user, name, key, replies);
        }
        // Multiclient across nodes: the account's other nodes hold the channel's replica before
        // the JOIN, so their users of the account become the member with it, and their
        // connections see the JOIN (docs/cluster.md, "One account on several nodes").
        var elsewhere = user.SessionsElsewhere && !IsMember(user, name);
        if (elsewhere)
        {
            await link.HoldChannelElsewhereAsync(user.Id, name, hold: true);
        }
        try
        {
            return await SubmitAsync(user, replies, ChannelOp.Join, name, key is null ? [] : [key], null) as JoinResult
                ?? new JoinResult(JoinError.AlreadyOn, name);
        }
        finally
        {
            if (elsewhere)
            {
                await link.HoldChannelElsewhereAsync(user.Id, name, hold: false);
            }
        }
    }

    /// <summary>PART, through the channel's grain in a cluster (see <see cref="Part"/>).</summary>
    public async ValueTask<PartError> PartAsync(IrcUser user, string name, string? reason, ReplyBuffer replies)
    {
        if (Link is null)
        {
            return Part(user, name, reason, replies);
        }
        return await SubmitAsync(user, replies, ChannelOp.Part, name, reason is null ? [] : [reason], null) as PartError? ?? PartError.NotOnChannel;
    }

    /// <summary>JOIN 0: part every channel, through their grains in a cluster.</summary>
    public async ValueTask PartAllAsync(IrcUser user, ReplyBuffer replies)
    {
        if (Link is null)
        {
            PartAll(user, replies);
            return;
        }
        List<string> names;
        lock (_gate)
        {
            names = [.. user.Channels.Select(c => c.Name)];
        }
        foreach (var name in names)
        {
            await SubmitAsync(user, replies, ChannelOp.Part, name, [user.Nick], null);
        }
    }

    /// <summary>A message to a channel, through its grain in a cluster (see <see cref="SendToChannel"/>). One line only.</summary>
    public async ValueTask<SendResult> SendToChannelAsync(IrcUser from, string name, MemberStatus minStatus, OutboundMessage message, ReplyBuffer replies, bool echo, Capability requiredCap = Capability.None)
    {
        if (Link is null)
        {
            return SendToChannel(from, name, minStatus, message, replies, echo, requiredCap);
        }
        return await SubmitAsync(from, replies, ChannelOp.Message, name, [((int)minStatus).ToString(System.Globalization.CultureInfo.InvariantCulture)], message, echo, requiredCap) as SendResult?
            ?? new SendResult(SendStatus.NoSuchChannel, name);
    }

    /// <summary>
    /// A draft/multiline batch to a channel, through its grain (cluster only): every node builds
    /// the same <see cref="MultilineMessage"/> (same batch reference, time and msgid) and sends it
    /// to its members with <see cref="SendToChannel"/>; the origin stores it.
    /// </summary>
    public async ValueTask<SendResult> SendMultilineToChannelAsync(IrcUser from, string name, MemberStatus minStatus, string command, string target,
        IReadOnlyList<(string Text, bool Concat)> lines, string batchId, IReadOnlyList<Parley.Protocol.IrcTag>? clientTags, ReplyBuffer replies, bool echo)
    {
        var args = new List<string>(lines.Count + 2) { ((int)minStatus).ToString(System.Globalization.CultureInfo.InvariantCulture), batchId };
        foreach (var (text, concat) in lines)
        {
            args.Add((concat ? "1" : "0") + text);
        }
        var message = new OutboundMessage(from.Prefix, command, target) { ClientTags = clientTags };
        return await SubmitAsync(from, replies, ChannelOp.Multiline, name, args, message, echo) as SendResult?
            ?? new SendResult(SendStatus.NoSuchChannel, name);
    }

    /// <summary>METADATA SET of a channel through its grain in a cluster, so every node's replica has it (see <see cref="SetMetadata"/>).</summary>
    public async ValueTask<(MetadataError Error, string Target)> SetMetadataAsync(IrcUser actor, IClientSink connection, string target, string key, string? value, ReplyBuffer replies)
    {
        if (Link is null || !ChannelNames.IsChannel(target) || !actor.IsRegistered)
        {
            // Before registration no channel is the connection's to change: answered here.
            return SetMetadata(actor, connection, target, key, value);
        }
        return await SubmitAsync(actor, replies, ChannelOp.Metadata, target, value is null ? [key] : [key, value], null) is ValueTuple<MetadataError, string> r
            ? r : (MetadataError.InvalidTarget, target);
    }

    /// <summary>METADATA CLEAR of a channel through its grain in a cluster (see <see cref="ClearMetadata"/>).</summary>
    public async ValueTask<(MetadataError Error, string Target, IReadOnlyList<string> Cleared)> ClearMetadataAsync(IrcUser actor, IClientSink connection, string target, ReplyBuffer replies)
    {
        if (Link is null || !ChannelNames.IsChannel(target) || !actor.IsRegistered)
        {
            return ClearMetadata(actor, connection, target);
        }
        return await SubmitAsync(actor, replies, ChannelOp.Metadata, target, [], null) is ValueTuple<MetadataError, string, IReadOnlyList<string>> r
            ? r : (MetadataError.InvalidTarget, target, []);
    }

    /// <summary>REDACT relayed to a channel's members on every node in a cluster (see <see cref="RelayRedact"/>); the caller checked it and deleted the message.</summary>
    public async ValueTask RelayRedactAsync(IrcUser user, string target, string msgid, string? reason, ReplyBuffer replies)
    {
        if (Link is null || !ChannelNames.IsChannel(target))
        {
            RelayRedact(user, target, msgid, reason, replies);
            return;
        }
        await SubmitAsync(user, replies, ChannelOp.Redact, target, reason is null ? [msgid] : [msgid, reason], null);
    }

    /// <summary>TOPIC with a new topic, through the channel's grain in a cluster (see <see cref="SetTopic"/>).</summary>
    public async ValueTask<ChannelOpResult> SetTopicAsync(IrcUser user, string name, string topic, ReplyBuffer replies)
    {
        if (Link is null)
        {
            return SetTopic(user, name, topic, replies);
        }
        return await SubmitAsync(user, replies, ChannelOp.Topic, name, [topic], null) as ChannelOpResult
            ?? new ChannelOpResult(ChannelOpError.NoSuchChannel, name);
    }

    /// <summary>KICK, through the channel's grain in a cluster (see <see cref="Kick"/>).</summary>
    public async ValueTask<ChannelOpResult> KickAsync(IrcUser kicker, string name, string nick, string comment, ReplyBuffer replies)
    {
        if (Link is null)
        {
            return Kick(kicker, name, nick, comment, replies);
        }
        return await SubmitAsync(kicker, replies, ChannelOp.Kick, name, [nick, comment], null) as ChannelOpResult
            ?? new ChannelOpResult(ChannelOpError.NoSuchChannel, name);
    }

    /// <summary>
    /// MODE on a channel, through its grain in a cluster when it may change something (see
    /// <see cref="ChangeChannelModes"/>); a query of a channel this node holds is answered here.
    /// <paramref name="args"/>: the modestring and its parameters, as <paramref name="request"/> was parsed from.
    /// </summary>
    public async ValueTask<ChannelModeResult> ChangeChannelModesAsync(IrcUser user, string name, ModeRequest request, IReadOnlyList<string> args, int maxListEntries, ReplyBuffer replies)
    {
        var query = request.Changes.All(c => c.Op == ModeOp.List);
        if (Link is null || (query && IsReplicaHeld(name)))
        {
            return ChangeChannelModes(user, name, request, maxListEntries, replies);
        }
        if (query)
        {
            // A query of a channel this node holds no replica of: asked of the grain, answered from a detached copy (changes nothing).
            var snapshot = await Link.QueryChannelAsync(name);
            if (snapshot is null)
            {
                return new ChannelModeResult(ChannelOpError.NoSuchChannel, name);
            }
            lock (_gate)
            {
                return ChangeChannelModesLocked(user, DetachedChannel(snapshot), request, maxListEntries, replies);
            }
        }
        return await SubmitAsync(user, replies, ChannelOp.Mode, name, [maxListEntries.ToString(System.Globalization.CultureInfo.InvariantCulture), .. args], null) as ChannelModeResult
            ?? new ChannelModeResult(ChannelOpError.NoSuchChannel, name);
    }

    /// <summary>Whether the local command <paramref name="id"/>, still pending, has been applied here (the link must not send it again).</summary>
    public bool IsCommandApplied(long id)
    {
        lock (_gate)
        {
            return _pending.TryGetValue(id, out var pending) && pending.Applied;
        }
    }

    /// <summary>
    /// INVITE, through the channel's grain in a cluster (see <see cref="Invite"/>): the target is
    /// found first, on this node or through the link on another (its node need hold no replica
    /// of the channel); every node holding one records the invite and shows it to its
    /// invite-notify members; the target's node delivers the INVITE to it.
    /// </summary>
    public async ValueTask<ChannelOpResult> InviteAsync(IrcUser inviter, string nick, string name, ReplyBuffer replies)
    {
        if (Link is not { } link)
        {
            return Invite(inviter, nick, name);
        }
        MemberInfo? target;
        lock (_gate)
        {
            target = _nicks.TryGetValue(nick, out var local) && local.IsRegistered ? MemberInfo.Of(link.NodeId, local) : null;
        }
        target ??= await link.FindUserElsewhereAsync(nick);
        if (target is null)
        {
            return new ChannelOpResult(ChannelOpError.NoSuchNick, name, nick);
        }
        if (await SubmitAsync(inviter, replies, ChannelOp.Invite, name, [nick], null, target: target) is not InviteOutcome outcome)
        {
            return new ChannelOpResult(ChannelOpError.NoSuchChannel, name, target.Nick);
        }
        if (outcome.Result.Error == ChannelOpError.None && target.Node != link.NodeId && outcome.Line is { } line)
        {
            await link.DeliverInviteAsync(target, outcome.Result.ChannelName, line, outcome.Granted);
        }
        return outcome.Result;
    }

    /// <summary>
    /// The INVITE line for the local user <paramref name="userId"/> holding <paramref name="nick"/>,
    /// from another node whose user invited them. <paramref name="granted"/>: the invite lets them
    /// in; if this node holds no replica of the channel it is remembered for INVITE's list (the
    /// replicas elsewhere hold the invite, and hand it over when this node subscribes). False if
    /// no such local user.
    /// </summary>
    public bool DeliverInviteFromRemote(long userId, string nick, string channel, OutboundMessage line, bool granted)
    {
        lock (_gate)
        {
            if (!_nicks.TryGetValue(nick, out var user) || user.Id != userId || !user.IsRegistered)
            {
                return false;
            }
            if (granted && !Replicas.Contains(channel))
            {
                (user.InvitedElsewhere ??= new(CaseMapping.Comparer)).Add(channel);
            }
            user.Sink.Deliver(line);
            return true;
        }
    }

    /// <summary>
    /// INVITE with no parameter in a cluster (see <see cref="GetInvites"/>): the invites this
    /// node's replicas hold, and those to channels elsewhere, each checked with its channel's
    /// grain (one used, or gone with its channel, is forgotten).
    /// </summary>
    public async ValueTask<List<string>> GetInvitesAsync(IrcUser user)
    {
        var names = GetInvites(user);
        if (Link is not { } link)
        {
            return names;
        }
        List<string> elsewhere;
        lock (_gate)
        {
            elsewhere = user.InvitedElsewhere is { } set ? [.. set.Where(c => !Replicas.Contains(c))] : [];
        }
        foreach (var channel in elsewhere)
        {
            var snapshot = await link.QueryChannelAsync(channel);
            var still = snapshot?.Invited?.Any(i => i.Node == link.NodeId && i.UserId == user.Id) ?? false;
            lock (_gate)
            {
                if (still)
                {
                    names.Add(snapshot!.Name);
                }
                else
                {
                    user.InvitedElsewhere?.Remove(channel);
                }
            }
        }
        return names;
    }

    /// <summary>This node's registered user with id <paramref name="id"/>, or null. Under the lock.</summary>
    private IrcUser? LocalUserByIdLocked(long id)
    {
        foreach (var user in _users)
        {
            if (user.Id == id && user.IsRegistered)
            {
                return user;
            }
        }
        return null;
    }

    /// <summary>Whether this node holds a replica of <paramref name="name"/>.</summary>
    public bool IsReplicaHeld(string name)
    {
        lock (_gate)
        {
            return Replicas.Contains(name);
        }
    }

    /// <summary>
    /// Sends a command of a local user through the channel's grain and waits until this node has
    /// applied it (in the channel's order); returns what the apply returned, null if the command
    /// never came back here.
    /// </summary>
    private async ValueTask<object?> SubmitAsync(IrcUser actor, ReplyBuffer replies, ChannelOp op, string channel, IReadOnlyList<string> args, OutboundMessage? message,
        bool echo = false, Capability required = Capability.None, MemberInfo? target = null)
    {
        var link = Link!;
        ChannelCommand command;
        PendingCommand pending;
        lock (_gate)
        {
            var id = ++_nextCommandId;
            var now = Now;
            command = new ChannelCommand(id, link.NodeId, op, channel, MemberInfo.Of(link.NodeId, actor), args, message, now, NewMsgId(), target);
            pending = new PendingCommand(actor, replies, echo, required);
            _pending[id] = pending;
            PendingPerChannel[channel] = PendingPerChannel.GetValueOrDefault(channel) + 1;
        }
        try
        {
            await link.SubmitChannelCommandAsync(command);
        }
        finally
        {
            lock (_gate)
            {
                _pending.Remove(command.Id);
                var left = PendingPerChannel[channel] - 1;
                if (left == 0)
                {
                    PendingPerChannel.Remove(channel);
                    TryDropReplicaLocked(channel);
                }
                else
                {
                    PendingPerChannel[channel] = left;
                }
            }
        }
        return pending.Applied ? pending.Result : null;
    }

    /// <summary>
    /// Applies a channel command from the channel's grain (every node, in the channel's order;
    /// called by the link one command at a time per channel). Commands for a channel this node
    /// holds no replica of are ignored.
    /// </summary>
    public void ApplyChannelCommand(ChannelCommand command)
    {
        var link = Link;
        if (link is null)
        {
            return;
        }
        var mine = command.Origin == link.NodeId;
        if (mine && command.AppliedAtOrigin)
        {
            return;
        }
        IrcUser actor;
        PendingCommand? pending = null;
        lock (_gate)
        {
            if (!Replicas.Contains(command.Channel))
            {
                return;
            }
            if (mine)
            {
                if (!_pending.TryGetValue(command.Id, out pending) || pending.Applied)
                {
                    return;
                }
                actor = pending.Actor;
            }
            else if (ResolveMemberLocked(command.Actor, link.NodeId) is { } member)
            {
                actor = member;
            }
            else
            {
                // This node's user it names is gone (it left; its hand-over is on its way).
                return;
            }
            if (!mine && actor.RemoteNode is null && command.AppliedAtOrigin)
            {
                // The member is this node's user of the account (multiclient across nodes).
                ApplyAccountUserEventLocked(actor, command, link.NodeId);
                return;
            }
        }
        // Another node's user of the account acted for the member this node's user is: all of
        // this user's connections get what the acting connection's siblings get.
        var elsewhere = !mine && actor.RemoteNode is null;
        var replies = pending?.Replies ?? (elsewhere ? new ReplyBuffer { Owner = ElsewhereSession.Instance } : new ReplyBuffer());
        object? result = null;
        t_apply = new ApplyStamp(command.Time, FormatTime(command.Time), command.MsgId, Store: mine);
        try
        {
            var args = command.Args;
            switch (command.Op)
            {
                case ChannelOp.Join:
                    result = Join(actor, command.Channel, args.Count > 0 ? args[0] : null, replies);
                    break;
                case ChannelOp.Part:
                    result = Part(actor, command.Channel, args.Count > 0 ? args[0] : null, replies);
                    break;
                case ChannelOp.Message:
                    result = SendToChannel(actor, command.Channel, (MemberStatus)int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture), command.Message!, replies,
                        pending?.Echo ?? false, command.Message!.Command == "TAGMSG" ? Capability.MessageTags : Capability.None);
                    break;
                case ChannelOp.Topic:
                    result = SetTopic(actor, command.Channel, args[0], replies);
                    break;
                case ChannelOp.Kick:
                    result = Kick(actor, command.Channel, args[0], args[1], replies);
                    break;
                case ChannelOp.Mode:
                    result = ChangeChannelModes(actor, command.Channel, ChannelModes.Parse(args, 1), int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture), replies);
                    break;
                case ChannelOp.Quit:
                    RemoteQuit(actor, command);
                    break;
                case ChannelOp.Nick:
                    RemoteNick(actor, command);
                    break;
                case ChannelOp.Away:
                    lock (_gate)
                    {
                        SetAwayLocked(actor, args.Count > 0 ? args[0] : null);
                    }
                    break;
                case ChannelOp.Rebind:
                    lock (_gate)
                    {
                        RebindLocked(actor, command, link.NodeId);
                    }
                    break;
                case ChannelOp.Setname:
                    lock (_gate)
                    {
                        // One command per channel of the user: local users sharing any of them see it once.
                        if (actor.LastUserEvent != command.Id)
                        {
                            actor.LastUserEvent = command.Id;
                            actor.Realname = args[0];
                            foreach (var other in CommonUsers(actor))
                            {
                                other.Sink.Deliver(command.Message!, Capability.Setname);
                            }
                        }
                    }
                    break;
                case ChannelOp.Metadata:
                    {
                        // The acting connection is told by its reply; on other nodes nobody is left out.
                        var connection = pending?.Replies.Owner ?? RemoteSink.Instance;
                        result = args.Count == 0
                            ? ClearMetadata(actor, connection, command.Channel)
                            : SetMetadata(actor, connection, command.Channel, args[0], args.Count > 1 ? args[1] : null);
                    }
                    break;
                case ChannelOp.Redact:
                    RelayRedact(actor, command.Channel, args[0], args.Count > 1 ? args[1] : null, replies);
                    break;
                case ChannelOp.Multiline:
                    {
                        var m = command.Message!;
                        var lines = new List<(string, bool)>(args.Count - 2);
                        for (var i = 2; i < args.Count; i++)
                        {
                            lines.Add((args[i][1..], args[i][0] == '1'));
                        }
                        var multiline = new MultilineMessage(actor.Prefix, m.Command, m.Parameters[0], lines, args[1], NowTag(), command.MsgId, actor.Account, actor.IsBot, m.ClientTags);
                        result = SendToChannel(actor, command.Channel, (MemberStatus)int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture), multiline, replies, pending?.Echo ?? false);
                    }
                    break;
                case ChannelOp.Invite:
                    lock (_gate)
                    {
                        var target = InviteeLocked(command.Target!, link.NodeId);
                        // The target's own node delivers its INVITE line: here when it is the origin's.
                        result = target is null
                            ? new InviteOutcome(new ChannelOpResult(ChannelOpError.NoSuchNick, command.Channel, args[0]))
                            : InviteLocked(actor, target, command.Channel, deliverToTarget: mine);
                    }
                    break;
            }
        }
        finally
        {
            t_apply = null;
        }
        if (elsewhere && result is JoinResult { Error: JoinError.None, View: { } view })
        {
            // Its connections saw the JOIN line; the topic and NAMES follow, as for a JOIN of one of them.
            ShowJoinToSessions?.Invoke(actor, view);
        }
        if (pending is not null)
        {
            pending.Result = result;
            pending.Applied = true;
        }
        lock (_gate)
        {
            if (!mine && actor.Channels.Count == 0)
            {
                ForgetStubLocked(actor);
            }
            TryDropReplicaLocked(command.Channel);
        }
    }

    /// <summary>The stub of another node's user, made from what the command carries (its fields refreshed, but its nick: NICK events rename it).</summary>
    private IrcUser RemoteStubLocked(MemberInfo info)
    {
        if (!_remoteUsers.TryGetValue((info.Node, info.UserId), out var stub))
        {
            stub = NewStub(info);
            _remoteUsers[(info.Node, info.UserId)] = stub;
            RemoteNicks[info.Nick] = stub;
            return stub;
        }
        stub.Username = info.Username;
        stub.Host = info.Host;
        stub.Realname = info.Realname;
        stub.Account = info.Account;
        stub.Modes = info.Modes;
        return stub;
    }

    /// <summary>
    /// The user an INVITE names, as this node knows it: its own user (null if gone), the stub of a
    /// member, or a stub kept nowhere (the invite list matches it by node and id). Under the lock.
    /// </summary>
    private IrcUser? InviteeLocked(MemberInfo info, string self)
        => info.Node == self ? LocalUserByIdLocked(info.UserId)
            : _remoteUsers.TryGetValue((info.Node, info.UserId), out var stub) ? stub : NewStub(info);

    /// <summary>A stub of another node's user, kept nowhere yet.</summary>
    private IrcUser NewStub(MemberInfo info)
    {
        var stub = new IrcUser(info.UserId, RemoteSink.Instance, info.Host, info.Host, Now) { RemoteNode = info.Node };
        stub.Nick = info.Nick;
        stub.IsRegistered = true;
        stub.SignOnAt = stub.ConnectedAt;
        stub.AwayMessage = info.AwayMessage;
        stub.Username = info.Username;
        stub.Realname = info.Realname;
        stub.Account = info.Account;
        stub.Modes = info.Modes;
        return stub;
    }

    private void ForgetStubLocked(IrcUser stub)
    {
        if (stub.RemoteNode is { } node && _remoteUsers.Remove((node, stub.Id)) && RemoteNicks.TryGetValue(stub.Nick, out var s) && s == stub)
        {
            RemoteNicks.Remove(stub.Nick);
        }
    }

    /// <summary>Another node's user quit: local users sharing a channel see the QUIT once; the stub leaves every replica here.</summary>
    private void RemoteQuit(IrcUser stub, ChannelCommand command)
    {
        lock (_gate)
        {
            if (stub.Channels.Count == 0)
            {
                return;
            }
            var quit = command.Message!;
            foreach (var other in CommonUsers(stub))
            {
                other.Sink.Deliver(quit);
            }
            RemoveStubEverywhereLocked(stub);
        }
    }

    private void RemoveStubEverywhereLocked(IrcUser stub)
    {
        var channels = stub.Channels.ToList();
        foreach (var channel in channels)
        {
            channel.Members.Remove(stub);
            channel.Invited.Remove(stub);
            if (channel.Members.Count == 0)
            {
                _channels.Remove(channel.Name);
            }
        }
        stub.Channels.Clear();
        ForgetStubLocked(stub);
        foreach (var channel in channels)
        {
            TryDropReplicaLocked(channel.Name);
        }
    }

    /// <summary>Another node's user changed nick: local users sharing a channel see the NICK once.</summary>
    private void RemoteNick(IrcUser stub, ChannelCommand command)
    {
        lock (_gate)
        {
            var nick = command.Args[0];
            if (stub.Nick == nick)
            {
                return;
            }
            if (RemoteNicks.TryGetValue(stub.Nick, out var s) && s == stub)
            {
                RemoteNicks.Remove(stub.Nick);
            }
            stub.Nick = nick;
            RemoteNicks[nick] = stub;
            foreach (var other in CommonUsers(stub))
            {
                other.Sink.Deliver(command.Message!);
            }
        }
    }

    /// <summary>
    /// A node has died: each of its users leaves every channel replica here, and local users
    /// sharing a channel see a QUIT with <paramref name="reason"/> (a netsplit).
    /// </summary>
    public int RemoveNodeUsers(string node, string reason)
    {
        lock (_gate)
        {
            OrphanProxiesOfLocked(node, reason);
            var gone = _remoteUsers.Where(kv => kv.Key.Node == node).Select(kv => kv.Value).ToList();
            var time = NowTag();
            foreach (var stub in gone)
            {
                var quit = new OutboundMessage(stub.Prefix, "QUIT", reason) { Time = time, MsgId = NewMsgId(), Account = stub.Account };
                foreach (var other in CommonUsers(stub))
                {
                    other.Sink.Deliver(quit);
                }
                RemoveStubEverywhereLocked(stub);
            }
            foreach (var channel in _channels.Values)
            {
                // Its users invited here and not yet joined: gone with it.
                channel.Invited.RemoveWhere(u => u.RemoteNode == node);
            }
            return gone.Count;
        }
    }

    /// <summary>
    /// This node drops its replica of a channel none of its users is on any more (and none of
    /// their commands is on its way), and tells the link, which unsubscribes. Under the lock.
    /// </summary>
    private void TryDropReplicaLocked(string name)
    {
        if (Link is null || !Replicas.Contains(name) || PendingPerChannel.ContainsKey(name) || (_heldForAccountStore?.ContainsKey(name) ?? false))
        {
            return;
        }
        if (_channels.TryGetValue(name, out var channel))
        {
            foreach (var member in channel.Members.Keys)
            {
                if (member.RemoteNode is null)
                {
                    return;
                }
            }
            foreach (var stub in channel.Members.Keys)
            {
                stub.Channels.Remove(channel);
                if (stub.Channels.Count == 0)
                {
                    ForgetStubLocked(stub);
                }
            }
            _channels.Remove(name);
        }
        Replicas.Remove(name);
        Link.ReplicaDropped(name);
    }

    /// <summary>
    /// Local users left channels on their own (QUIT): the replicas left without local members are
    /// dropped. Under the lock.
    /// </summary>
    private void DropUnusedReplicasLocked(IEnumerable<Channel> channels)
    {
        if (Link is null)
        {
            return;
        }
        foreach (var channel in channels)
        {
            TryDropReplicaLocked(channel.Name);
        }
    }

    /// <summary>This node's replica of a channel as a snapshot for another node, or null when the channel has no members.</summary>
    public ChannelSnapshot? SnapshotChannel(string name)
    {
        var node = Link?.NodeId ?? "";
        lock (_gate)
        {
            if (!_channels.TryGetValue(name, out var c))
            {
                return null;
            }
            var members = new List<SnapshotMember>(c.Members.Count);
            foreach (var (u, status) in c.Members)
            {
                var info = MemberInfo.Of(u.RemoteNode ?? node, u);
                members.Add(new SnapshotMember(info, status));
            }
            return new ChannelSnapshot(c.Name, c.CreatedAt, c.Topic, c.TopicSetBy, c.TopicSetAt, c.Flags, c.Key, c.Limit,
                [.. c.Bans], [.. c.Excepts], [.. c.InviteExceptions], members,
                [.. c.Invited.Where(u => u.IsRegistered).Select(u => MemberInfo.Of(u.RemoteNode ?? node, u))],
                c.Metadata is null ? null : new Dictionary<string, string>(c.Metadata, StringComparer.Ordinal));
        }
    }

    /// <summary>
    /// This node starts holding a replica of <paramref name="name"/> (it subscribed to the
    /// channel's grain). <paramref name="fromPeer"/>: the grain took <paramref name="snapshot"/>
    /// from another node (null: the channel has no members), which replaces what this node had;
    /// otherwise no other node holds one, and this node's own replica, if any, is the channel.
    /// </summary>
    public void InstallReplica(string name, ChannelSnapshot? snapshot, bool fromPeer)
    {
        var node = Link?.NodeId;
        lock (_gate)
        {
            Replicas.Add(name);
            if (!fromPeer)
            {
                return;
            }
            List<(IrcUser User, MemberStatus Status)> localMembers = [];
            if (_channels.TryGetValue(name, out var old))
            {
                foreach (var (member, status) in old.Members)
                {
                    member.Channels.Remove(old);
                    if (member.RemoteNode is null)
                    {
                        localMembers.Add((member, status));
                    }
                    else if (member.Channels.Count == 0)
                    {
                        ForgetStubLocked(member);
                    }
                }
                _channels.Remove(name);
            }
            if (snapshot is null && localMembers.Count == 0)
            {
                return;
            }
            var channel = snapshot is null ? new Channel(name, Now) : new Channel(snapshot.Name, snapshot.CreatedAt)
            {
                Topic = snapshot.Topic,
                TopicSetBy = snapshot.TopicSetBy,
                TopicSetAt = snapshot.TopicSetAt,
                Flags = snapshot.Flags,
                Key = snapshot.Key,
                Limit = snapshot.Limit,
            };
            if (snapshot is not null)
            {
                channel.Metadata = snapshot.Metadata is { Count: > 0 } metadata ? new Dictionary<string, string>(metadata, StringComparer.Ordinal) : null;
                channel.Bans.AddRange(snapshot.Bans);
                channel.Excepts.AddRange(snapshot.Excepts);
                channel.InviteExceptions.AddRange(snapshot.InviteExceptions);
                foreach (var m in snapshot.Members)
                {
                    IrcUser? user;
                    if (m.Member.Node == node)
                    {
                        user = localMembers.Find(l => l.User.Id == m.Member.UserId).User;
                        if (user is null)
                        {
                            // A local user the other node still counts: gone here.
                            continue;
                        }
                    }
                    else
                    {
                        // A stub, or this node's user of an account standing for its primary.
                        user = ResolveMemberLocked(m.Member, node ?? "");
                        if (user is null)
                        {
                            continue;
                        }
                    }
                    channel.Members[user] = m.Status;
                    user.Channels.Add(channel);
                }
            }
            foreach (var invited in snapshot?.Invited ?? [])
            {
                if (InviteeLocked(invited, node ?? "") is { } invitee)
                {
                    channel.Invited.Add(invitee);
                }
            }
            foreach (var (user, status) in localMembers)
            {
                // Kept even if the snapshot missed them (the grain that knew them was lost).
                if (channel.Members.TryAdd(user, status))
                {
                    user.Channels.Add(channel);
                }
            }
            if (channel.Members.Count > 0)
            {
                _channels[channel.Name] = channel;
            }
        }
    }

    /// <summary>
    /// The replicas this node holds, to subscribe again after a node's death (the grains it
    /// hosted come back empty).
    /// </summary>
    public List<string> HeldReplicas()
    {
        lock (_gate)
        {
            return [.. Replicas];
        }
    }

    /// <summary>
    /// A local user's QUIT, NICK or AWAY was applied here: the other nodes holding replicas of its
    /// channels get it through each channel's grain. Under the lock.
    /// </summary>
    private void ReplicateUserEventLocked(IrcUser user, ChannelOp op, IReadOnlyList<string> args, OutboundMessage message)
    {
        if (Link is not { } link || user.RemoteNode is not null || user.Channels.Count == 0)
        {
            return;
        }
        var info = MemberInfo.Of(link.NodeId, user);
        var id = ++_nextCommandId;
        var commands = new List<ChannelCommand>(user.Channels.Count);
        foreach (var channel in user.Channels)
        {
            commands.Add(new ChannelCommand(id, link.NodeId, op, channel.Name, info, args, message, Now, message.MsgId ?? ""));
        }
        link.UserEventApplied(commands);
    }

    /// <summary>What stubs deliver to: nothing (their own node delivers to them).</summary>
    private sealed class RemoteSink : IClientSink
    {
        public static readonly RemoteSink Instance = new();

        public Capability Caps => Capability.None;

        public void Deliver(OutboundMessage message)
        {
        }

        public void Disconnect(string reason)
        {
        }
    }
}
