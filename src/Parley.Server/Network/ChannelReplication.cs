namespace Parley.Server.Network;

/// <summary>What a replicated channel command does (clustered mode; docs/DEVELOPING.md, "Channels across nodes").</summary>
public enum ChannelOp
{
    /// <summary>JOIN; Args: [key] (or [] without one).</summary>
    Join,

    /// <summary>PART; Args: [] or [reason].</summary>
    Part,

    /// <summary>PRIVMSG, NOTICE or TAGMSG to the channel; Message is the line, Args: [minimum status as a number].</summary>
    Message,

    /// <summary>TOPIC with a new topic; Args: [topic].</summary>
    Topic,

    /// <summary>MODE; Args: the modestring and its parameters, parsed again by each node.</summary>
    Mode,

    /// <summary>KICK; Args: [nick, comment].</summary>
    Kick,

    /// <summary>The actor quit (already applied on its node); Message is the QUIT line.</summary>
    Quit,

    /// <summary>The actor changed nick (already applied on its node); Message is the NICK line, Args: [new nick].</summary>
    Nick,

    /// <summary>The actor's away state changed (already applied on its node); Args: [] (back) or [message].</summary>
    Away,

    /// <summary>INVITE; Args: [nick]; Target: the invited user, found by the origin (on any node).</summary>
    Invite,

    /// <summary>REDACT of a channel message (checked and deleted from history by the origin); Args: [msgid] or [msgid, reason].</summary>
    Redact,

    /// <summary>
    /// A draft/multiline batch to the channel; Message: PRIVMSG or NOTICE to the target as named,
    /// with the batch's client tags; Args: [minimum status, batch reference, then each line as
    /// "0text" or "1text" (1: draft/multiline-concat)].
    /// </summary>
    Multiline,

    /// <summary>The actor's realname changed (SETNAME, already applied on its node); Message is the SETNAME line, Args: [realname].</summary>
    Setname,

    /// <summary>METADATA of the channel (key and value checked by the origin); Args: [key, value] (set), [key] (remove) or [] (CLEAR).</summary>
    Metadata,

    /// <summary>
    /// Multiclient across nodes: the actor (its account's primary) left its node while the
    /// account's user stays on another, which takes the membership over, unseen (applied on
    /// the leaving node already); Args: [new node, new user id].
    /// </summary>
    Rebind,
}

/// <summary>
/// A channel member as other nodes know it: its node, its id there, and what the channel's rules
/// look at (the ban, extban and +m/+n checks) and NAMES/WHO show.
/// </summary>
public sealed record MemberInfo(string Node, long UserId, string Nick, string Username, string Host, string Realname, string? Account, string? AwayMessage, UserModes Modes)
{
    /// <summary>The member as commands name it: a local user standing for its account's primary on another node (<see cref="IrcUser.MemberAs"/>) under the primary's (node, id).</summary>
    internal static MemberInfo Of(string node, IrcUser u) => u.MemberAs is { } m && u.RemoteNode is null
        ? new(m.Node, m.Id, u.Nick, u.Username, u.Host, u.Realname, u.Account, u.AwayMessage, u.Modes)
        : new(node, u.Id, u.Nick, u.Username, u.Host, u.Realname, u.Account, u.AwayMessage, u.Modes);
}

/// <summary>
/// One command to a channel in a cluster: the channel grain numbers it and hands it to every node
/// holding a replica of the channel, and each applies it with the same rules, in the same order
/// (state-machine replication). <paramref name="Id"/> is unique on <paramref name="Origin"/>, the
/// node whose client sent it: that node answers its client when the command comes back, and is
/// the one that stores it in history. <paramref name="Time"/> and <paramref name="MsgId"/> stamp
/// what the command makes, so every node delivers the same lines. <paramref name="Target"/>: the
/// user an INVITE names, who may be on a node holding no replica of the channel.
/// </summary>
public sealed record ChannelCommand(
    long Id,
    string Origin,
    ChannelOp Op,
    string Channel,
    MemberInfo Actor,
    IReadOnlyList<string> Args,
    OutboundMessage? Message,
    DateTimeOffset Time,
    string MsgId,
    MemberInfo? Target = null)
{
    /// <summary>Commands the origin applied already, before sending (user-level events: QUIT, NICK, AWAY, SETNAME).</summary>
    public bool AppliedAtOrigin => Op is ChannelOp.Quit or ChannelOp.Nick or ChannelOp.Away or ChannelOp.Setname or ChannelOp.Rebind;
}

/// <summary>One member in a <see cref="ChannelSnapshot"/>.</summary>
public sealed record SnapshotMember(MemberInfo Member, MemberStatus Status);

/// <summary>A channel's replica as one node holds it: what a node that starts holding one is given.</summary>
public sealed record ChannelSnapshot(
    string Name,
    DateTimeOffset CreatedAt,
    string? Topic,
    string? TopicSetBy,
    DateTimeOffset TopicSetAt,
    ChannelModeFlags Flags,
    string? Key,
    int? Limit,
    IReadOnlyList<ListEntry> Bans,
    IReadOnlyList<ListEntry> Excepts,
    IReadOnlyList<ListEntry> InviteExceptions,
    IReadOnlyList<SnapshotMember> Members,
    IReadOnlyList<MemberInfo>? Invited = null,
    IReadOnlyDictionary<string, string>? Metadata = null);
