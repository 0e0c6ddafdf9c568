using Parley.Server.Network;

namespace Parley.Cluster.Grains;

/// <summary>A <see cref="MemberInfo"/> between nodes.</summary>
[GenerateSerializer, Immutable]
public sealed record MemberWire(
    [property: Id(0)] string Node,
    [property: Id(1)] long UserId,
    [property: Id(2)] string Nick,
    [property: Id(3)] string Username,
    [property: Id(4)] string Host,
    [property: Id(5)] string Realname,
    [property: Id(6)] string? Account,
    [property: Id(7)] string? AwayMessage,
    [property: Id(8)] int Modes)
{
    public static MemberWire From(MemberInfo m) => new(m.Node, m.UserId, m.Nick, m.Username, m.Host, m.Realname, m.Account, m.AwayMessage, (int)m.Modes);

    public MemberInfo ToInfo() => new(Node, UserId, Nick, Username, Host, Realname, Account, AwayMessage, (UserModes)Modes);
}

/// <summary>A <see cref="ChannelCommand"/> between nodes.</summary>
[GenerateSerializer, Immutable]
public sealed record ChannelCommandWire(
    [property: Id(0)] long Id,
    [property: Id(1)] string Origin,
    [property: Id(2)] int Op,
    [property: Id(3)] string Channel,
    [property: Id(4)] MemberWire Actor,
    [property: Id(5)] string[] Args,
    [property: Id(6)] WireMessage? Message,
    [property: Id(7)] DateTimeOffset Time,
    [property: Id(8)] string MsgId,
    [property: Id(9)] MemberWire? Target = null)
{
    public static ChannelCommandWire From(ChannelCommand c)
        => new(c.Id, c.Origin, (int)c.Op, c.Channel, MemberWire.From(c.Actor), [.. c.Args], c.Message is null ? null : WireMessage.From(c.Message), c.Time, c.MsgId,
            c.Target is null ? null : MemberWire.From(c.Target));

    public ChannelCommand ToCommand()
        => new(Id, Origin, (ChannelOp)Op, Channel, Actor.ToInfo(), Args, Message?.ToOutbound(), Time, MsgId, Target?.ToInfo());

    /// <summary>Whether the origin must apply it itself (it waits for it): every command but the user events it applied before sending.</summary>
    public bool OriginApplies => (ChannelOp)Op is not (ChannelOp.Quit or ChannelOp.Nick or ChannelOp.Away or ChannelOp.Setname or ChannelOp.Rebind);
}

/// <summary>A ban, exception or invite-exception entry between nodes.</summary>
[GenerateSerializer, Immutable]
public sealed record ListEntryWire([property: Id(0)] string Mask, [property: Id(1)] string SetBy, [property: Id(2)] DateTimeOffset SetAt)
{
    public static ListEntryWire From(ListEntry e) => new(e.Mask, e.SetBy, e.SetAt);

    public ListEntry ToEntry() => new(Mask, SetBy, SetAt);
}

/// <summary>A <see cref="ChannelSnapshot"/> between nodes.</summary>
[GenerateSerializer, Immutable]
public sealed record ChannelSnapshotWire(
    [property: Id(0)] string Name,
    [property: Id(1)] DateTimeOffset CreatedAt,
    [property: Id(2)] string? Topic,
    [property: Id(3)] string? TopicSetBy,
    [property: Id(4)] DateTimeOffset TopicSetAt,
    [property: Id(5)] int Flags,
    [property: Id(6)] string? Key,
    [property: Id(7)] int? Limit,
    [property: Id(8)] ListEntryWire[] Bans,
    [property: Id(9)] ListEntryWire[] Excepts,
    [property: Id(10)] ListEntryWire[] InviteExceptions,
    [property: Id(11)] MemberWire[] Members,
    [property: Id(12)] int[] Statuses,
    [property: Id(13)] MemberWire[]? Invited = null,
    [property: Id(14)] Dictionary<string, string>? Metadata = null)
{
    public static ChannelSnapshotWire From(ChannelSnapshot s)
        => new(s.Name, s.CreatedAt, s.Topic, s.TopicSetBy, s.TopicSetAt, (int)s.Flags, s.Key, s.Limit,
            [.. s.Bans.Select(ListEntryWire.From)], [.. s.Excepts.Select(ListEntryWire.From)], [.. s.InviteExceptions.Select(ListEntryWire.From)],
            [.. s.Members.Select(m => MemberWire.From(m.Member))], [.. s.Members.Select(m => (int)m.Status)],
            s.Invited is null ? null : [.. s.Invited.Select(MemberWire.From)],
            s.Metadata is null ? null : new Dictionary<string, string>(s.Metadata, StringComparer.Ordinal));

    public ChannelSnapshot ToSnapshot()
        => new(Name, CreatedAt, Topic, TopicSetBy, TopicSetAt, (ChannelModeFlags)Flags, Key, Limit,
            [.. Bans.Select(b => b.ToEntry())], [.. Excepts.Select(b => b.ToEntry())], [.. InviteExceptions.Select(b => b.ToEntry())],
            [.. Members.Zip(Statuses, (m, st) => new SnapshotMember(m.ToInfo(), (MemberStatus)st))],
            Invited is null ? null : [.. Invited.Select(i => i.ToInfo())],
            Metadata);
}

/// <summary>
/// What a node subscribing to a channel grain learns: the grain's epoch (a new one each time the
/// grain is activated: its numbers start again at 1) and the number of the last event before the
/// node's first; when another node was subscribed, that node's replica (<paramref name="Snapshot"/>
/// null: the channel has no members); <paramref name="FromPeer"/> false: no other node holds one.
/// <paramref name="Kept"/>: the node was subscribed already and stays so, its replica standing as
/// it is (a resume: the node has received every event of the grain since, so it changes nothing).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SubscribeResult(
    [property: Id(0)] long Seq,
    [property: Id(1)] ChannelSnapshotWire? Snapshot,
    [property: Id(2)] bool FromPeer,
    [property: Id(3)] long Epoch = 0,
    [property: Id(4)] bool Kept = false);
