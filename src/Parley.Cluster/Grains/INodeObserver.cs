namespace Parley.Cluster.Grains;

/// <summary>
/// One per node: how other nodes (and grains) deliver to this node's clients. Created when the
/// node starts (<see cref="ClusterLink"/>); its reference travels in <see cref="NickHolder"/>.
/// Calls are awaited, never one-way: one-way calls reorder across nodes (../shared/notes/orleans.md).
/// </summary>
public interface INodeObserver : IGrainObserver
{
    /// <summary>A private message to the local user holding <paramref name="nick"/>; null if none does (any more).</summary>
    Task<RecipientWire?> DeliverPrivateAsync(string nick, WireMessage[] lines, string fromNick);

    /// <summary>WHOIS of the local user holding <paramref name="nick"/>, or null (see <see cref="Parley.Server.Network.INetworkLink.WhoisAsync"/>).</summary>
    Task<WhoisWire?> WhoisAsync(string nick, bool viewerIsOperator);

    /// <summary>Whether the local user <paramref name="userId"/> still holds <paramref name="nick"/> (a nick grain checking a holder before it gives the nick to another node).</summary>
    Task<bool> HoldsNickAsync(string nick, long userId);

    /// <summary>
    /// The sessions of the account of the local user <paramref name="userId"/> on every node,
    /// the primary first (the account grain, when one attaches or leaves; one entry: the user
    /// is alone now).
    /// </summary>
    Task AccountSessionsAsync(string account, long userId, AccountSession[] sessions);

    /// <summary>The channels the local user <paramref name="userId"/> is on (an attaching node of its account shows them to its connection).</summary>
    Task<string[]> UserChannelsAsync(long userId);

    /// <summary>
    /// The account's user on another node is about to join <paramref name="channel"/> (or has,
    /// <paramref name="hold"/> false): this node, where the account has a user too, holds a
    /// replica of it meanwhile, so its user becomes a member with the JOIN and its connections
    /// see it (multiclient across nodes).
    /// </summary>
    Task HoldChannelForAccountAsync(string channel, bool hold);

    /// <summary>Lines for the connections of the local user holding <paramref name="nick"/>, unstored: its account's user on another node received or sent them (multiclient across nodes).</summary>
    Task DeliverToSessionsAsync(string nick, WireMessage[] lines);

    /// <summary>
    /// Multiclient across nodes: the local user of <paramref name="account"/> holding
    /// <paramref name="oldNick"/> takes <paramref name="newNick"/>, to which its account's user on
    /// another node changed (it attaches to the new nick's grain first). Whether it did.
    /// </summary>
    Task<bool> RenameSessionAsync(string oldNick, string newNick, string account);

    /// <summary>This node's LUSERS counts of its own registered users (for another node's network-wide LUSERS).</summary>
    Task<CountsWire> CountsAsync();

    /// <summary>The local user holding <paramref name="nick"/> as a channel command names it (INVITE's target), or null.</summary>
    Task<MemberWire?> MemberAsync(string nick);

    /// <summary>An INVITE line for the local user <paramref name="userId"/> holding <paramref name="nick"/> (see <see cref="Parley.Server.Network.INetworkLink.DeliverInviteAsync"/>).</summary>
    Task InviteAsync(long userId, string nick, string channel, WireMessage line, bool granted);

    /// <summary>The channels this node counts, for another node's LIST (each channel is counted by one node).</summary>
    Task<ChannelSummaryWire[]> ChannelsAsync();

    /// <summary>
    /// Events <paramref name="firstSeq"/>, <paramref name="firstSeq"/> + 1, … of
    /// <paramref name="channel"/> (folded), in that order, from its channel grain's activation
    /// <paramref name="epoch"/> (a grain activated again numbers from 1 in a new epoch). One event
    /// or a batch of one origin's (<see cref="IChannelGrain.PublishBatchAsync"/>): applied one
    /// after the other, as if they had come in as many calls.
    /// </summary>
    Task ChannelEventsAsync(string channel, long epoch, long firstSeq, ChannelEvent[] events);

    /// <summary>
    /// The grain of <paramref name="channel"/> (folded) dropped this node from its fan-out (it did
    /// not take an event in time): events may be missing here, and no more come until it subscribes again.
    /// </summary>
    Task DroppedAsync(string channel);

    /// <summary>This node's replica of <paramref name="channel"/> (folded), for a node subscribing (see <see cref="SnapshotReply"/>).</summary>
    Task<SnapshotReply> SnapshotAsync(string channel);

    /// <summary>MONITOR: <paramref name="watcher"/>'s users watch (or no longer watch) these folded nicks: tell it when this node's users take or leave them.</summary>
    Task WatchAsync(NodeEntry watcher, string[] nicks, bool watching);

    /// <summary>MONITOR: a user of <paramref name="node"/> came online as <paramref name="nick"/> (<paramref name="prefix"/>: nick!user@host) or went offline (null).</summary>
    Task MonitorAsync(string node, string nick, string? prefix);

    /// <summary>MONITOR: the nicks this node's users watch (folded), for a node that starts.</summary>
    Task<string[]> WatchedAsync();
}

/// <summary>Who got a private message: their nick and away message.</summary>
[GenerateSerializer, Immutable]
public sealed record RecipientWire([property: Id(0)] string Nick, [property: Id(1)] string? AwayMessage);

/// <summary>A node's answer to a snapshot request: whether it holds a replica, and the channel (null: no members).</summary>
[GenerateSerializer, Immutable]
public sealed record SnapshotReply([property: Id(0)] bool Held, [property: Id(1)] ChannelSnapshotWire? Snapshot);
