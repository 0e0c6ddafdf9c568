namespace Parley.Server.Network;

/// <summary>
/// The seam between this node's <see cref="IrcNetwork"/> and the rest of a clustered network
/// (issue 9; ARCHITECTURE.md rule 2). Null on a single node, where IrcNetwork alone is the
/// network. The cluster's implementation (Parley.Cluster) talks to Orleans grains; nothing
/// here names Orleans. See docs/DEVELOPING.md, "The Network seam".
/// </summary>
/// <remarks>
/// Only what must be decided network-wide passes here. Everything else stays in IrcNetwork,
/// which remains the authority for this node's own sessions. Calls marked "under the lock"
/// are made by IrcNetwork while it holds its lock: they must not block or call back; the
/// implementation queues them and sends them in order.
/// </remarks>
public interface INetworkLink
{
    /// <summary>Called once by the node's network, before any other call: where inbound events are delivered.</summary>
    void Attach(IrcNetwork network);

    /// <summary>
    /// Claims <paramref name="nick"/> network-wide for the local user <paramref name="userId"/>
    /// before IrcNetwork gives it to them. False: another node's user holds it. Two nodes
    /// claiming at once: exactly one wins. Waits for this node's earlier releases to be sent,
    /// so a nick freed here a moment ago can be claimed again at once.
    /// </summary>
    ValueTask<bool> ClaimNickAsync(string nick, long userId, string? account, CancellationToken cancellationToken = default);

    /// <summary>
    /// The local user took <paramref name="nick"/> without claiming it first (a guest rename by
    /// nick enforcement), or the user holding it logged in or out (the holder's account is
    /// claimed again): the claim is sent after the fact, in order with the releases; a
    /// refusal is logged. Under the lock.
    /// </summary>
    void NickTaken(string nick, long userId, string? account);

    /// <summary>The local user no longer holds <paramref name="nick"/> (nick change, quit, a failed local take). Under the lock.</summary>
    void ReleaseNick(string nick, long userId);

    /// <summary>Whether a user of another node holds <paramref name="nick"/> and is logged in to an account (so a connection of that account could attach).</summary>
    ValueTask<bool> IsHeldByAccountElsewhereAsync(string nick, CancellationToken cancellationToken = default);

    /// <summary>
    /// Multiclient across nodes: makes the local user <paramref name="userId"/>, logged in to
    /// <paramref name="account"/>, one more holder of <paramref name="nick"/>, which users of
    /// that account hold on other nodes. False if anyone else holds it. On success both this
    /// node's user and the others' are told they have sessions elsewhere
    /// (<see cref="IrcNetwork.SetSessionsElsewhere"/>); the nick is released as any other.
    /// </summary>
    ValueTask<bool> AttachNickAsync(string nick, long userId, string account, CancellationToken cancellationToken = default);

    /// <summary>
    /// Multiclient across nodes: the local user of <paramref name="account"/>, which has
    /// sessions on other nodes, changed its nick from <paramref name="oldNick"/> to
    /// <paramref name="newNick"/> (claimed already): the account's users on the other nodes take
    /// the new nick too (each attaches to it and renames, its connections and channel peers
    /// seeing the NICK) and let the old one go. Awaited by the NICK handler; failures are logged.
    /// </summary>
    ValueTask RenameSessionsElsewhereAsync(string oldNick, string newNick, string account, CancellationToken cancellationToken = default);

    /// <summary>
    /// Multiclient across nodes: the local user <paramref name="userId"/> has just attached to
    /// <paramref name="nick"/>, held by its account's users on other nodes: it joins the
    /// account's sessions (the account grain; every node of the account is told). Returns the
    /// account's primary (node, id), whose channel memberships the user shares, or null.
    /// </summary>
    ValueTask<(string Node, long UserId)?> JoinAccountSessionsAsync(long userId, string nick, string account, CancellationToken cancellationToken = default);

    /// <summary>
    /// Multiclient across nodes: the registered local user <paramref name="userId"/> stands for
    /// its account's primary (<paramref name="primaryNode"/>, <paramref name="primaryId"/>) in
    /// channels (<see cref="IrcNetwork.BecomeProxy"/>), and this node subscribes to each of the
    /// primary's channels, so the user is a member of them here. Failures are logged.
    /// </summary>
    ValueTask ShareAccountChannelsAsync(long userId, string primaryNode, long primaryId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Multiclient across nodes: the local user <paramref name="userId"/> is about to join
    /// <paramref name="channel"/> (<paramref name="hold"/>), or has (false): the other nodes of its
    /// account hold the channel's replica meanwhile (<see cref="IrcNetwork.HoldReplica"/>).
    /// Failures are logged.
    /// </summary>
    ValueTask HoldChannelElsewhereAsync(long userId, string channel, bool hold, CancellationToken cancellationToken = default);

    /// <summary>The local user <paramref name="userId"/> of <paramref name="account"/>, which has sessions on other nodes, left: the account grain is told, in order with the nick releases. Under the lock.</summary>
    void AccountSessionEnded(string account, long userId);

    /// <summary>
    /// Delivers lines, unstored, to the connections of the users holding <paramref name="nick"/>
    /// on other nodes (multiclient across nodes): a message the local holder received, or one
    /// it sent, for its account's other sessions. Awaited, so a sender's messages keep their order.
    /// </summary>
    ValueTask DeliverToSessionsElsewhereAsync(string nick, IReadOnlyList<OutboundMessage> lines, CancellationToken cancellationToken = default);

    /// <summary>
    /// WHOIS of <paramref name="nick"/> held by a user on another node, or null. Hidden
    /// channels (secret, or the user is invisible) are listed only for an operator viewer,
    /// since a viewer on another node shares no channel with the user.
    /// </summary>
    ValueTask<RemoteWhois?> WhoisAsync(string nick, bool viewerIsOperator, CancellationToken cancellationToken = default);

    /// <summary>Of <paramref name="nicks"/>, those held by users of other nodes, in their holders' spelling (ISON).</summary>
    ValueTask<IReadOnlyList<string>> OnlineElsewhereAsync(IReadOnlyList<string> nicks, CancellationToken cancellationToken = default);

    /// <summary>
    /// LUSERS across the network: how many other nodes are up, and the sums of their registered
    /// users' counts (a node that does not answer in time counts as up with no users).
    /// </summary>
    ValueTask<RemoteCounts> CountsElsewhereAsync(CancellationToken cancellationToken = default);

    /// <summary>The server names of the other nodes that are up now (LINKS), in name order.</summary>
    IReadOnlyList<string> OtherNodes { get; }

    /// <summary>
    /// Delivers a private message (PRIVMSG, NOTICE, TAGMSG; each line of a multiline message)
    /// to whoever holds <paramref name="nick"/> on another node, which stores the recipient's
    /// copy in history before delivering it (with multiclient across nodes, every node where
    /// the account's user holds the nick delivers it; the first stores it). Returns the recipient's nick and away message, or
    /// null if no node's user holds the nick. Messages one sender sends one after the other
    /// arrive in that order (each call completes before the sender's next command, and waits
    /// until the sender's last channel message has reached every node).
    /// </summary>
    ValueTask<RemoteRecipient?> SendToUserAsync(string nick, IReadOnlyList<OutboundMessage> lines, string fromNick, CancellationToken cancellationToken = default);

    /// <summary>This node's id in the cluster (<see cref="ChannelCommand.Origin"/>, <see cref="MemberInfo.Node"/>).</summary>
    string NodeId { get; }

    /// <summary>
    /// Sends a local client's channel command through the channel's grain, this node first
    /// holding a replica of the channel (<see cref="IrcNetwork.InstallReplica"/>); completes once
    /// this node has applied it (<see cref="IrcNetwork.ApplyChannelCommand"/>), in the channel's
    /// order: a message at once, a state change (JOIN, MODE…) once every node has it too. Waits
    /// for this node's user events sent before it (a NICK before a message), and for the actor's
    /// message to another channel still on its way to other nodes. Completing (or throwing)
    /// without having applied it here is a failure, which the client is told of; the submit is
    /// abandoned after <see cref="IrcNetwork.SubmitTimeout"/> (<paramref name="cancellationToken"/>).
    /// </summary>
    ValueTask SubmitChannelCommandAsync(ChannelCommand command, CancellationToken cancellationToken = default);

    /// <summary>
    /// A local user's QUIT, NICK or AWAY applied here already, one command per channel of the
    /// user: sent to each channel's grain for the other nodes, in order. Under the lock.
    /// </summary>
    void UserEventApplied(IReadOnlyList<ChannelCommand> commands);

    /// <summary>
    /// A channel this node holds no replica of, as a node holding one has it (asked through the
    /// channel's grain, in the channel's order); null when no node holds it (no such channel).
    /// For NAMES, WHO and TOPIC of a channel none of this node's users is on.
    /// </summary>
    ValueTask<ChannelSnapshot?> QueryChannelAsync(string channel, CancellationToken cancellationToken = default);

    /// <summary>
    /// The channels of the other nodes that are up, for LIST: each channel once, from the node
    /// that counts it (<see cref="IrcNetwork.CountedChannelSummaries"/>). A node that does not
    /// answer in time adds nothing.
    /// </summary>
    ValueTask<IReadOnlyList<ChannelSummary>> ChannelsElsewhereAsync(CancellationToken cancellationToken = default);

    /// <summary>The user holding <paramref name="nick"/> on another node, as a channel command names it (INVITE's target); null if none.</summary>
    ValueTask<MemberInfo?> FindUserElsewhereAsync(string nick, CancellationToken cancellationToken = default);

    /// <summary>
    /// The INVITE line for <paramref name="target"/>, a user of another node (whose node need hold
    /// no replica of <paramref name="channel"/>): that node delivers it, and with
    /// <paramref name="granted"/> remembers the invite for INVITE's list.
    /// </summary>
    ValueTask DeliverInviteAsync(MemberInfo target, string channel, OutboundMessage line, bool granted, CancellationToken cancellationToken = default);

    /// <summary>This node dropped its replica of <paramref name="channel"/> (none of its users is on it): unsubscribe. Under the lock.</summary>
    void ReplicaDropped(string channel);

    /// <summary>
    /// MONITOR across nodes: this node's users now watch <paramref name="nicks"/> (folded; each
    /// its first watcher here), or no longer (its last): the other nodes are told, in the order
    /// of these calls. Under the lock: it only queues. Completes once every other node that is
    /// up has been told (or did not answer in time).
    /// </summary>
    Task WatchNicksAsync(IReadOnlyList<string> nicks, bool watching);

    /// <summary>
    /// A user of this node came online as <paramref name="nick"/> (<paramref name="prefix"/>: its
    /// nick!user@host) or went offline (null): the nodes whose users watch it are told
    /// (<see cref="IrcNetwork.MonitorFromRemote"/>), in order; nothing is sent for a nick no other
    /// node watches. Under the lock.
    /// </summary>
    void MonitorChanged(string folded, string nick, string? prefix);
}

/// <summary>WHOIS of a user on another node: what that node knows, and the node's name and description (RPL_WHOISSERVER).</summary>
public sealed record RemoteWhois(WhoisInfo Info, string ServerName, string ServerDescription);

/// <summary>Who received a private message on another node.</summary>
public sealed record RemoteRecipient(string Nick, string? AwayMessage);

/// <summary>The other nodes' part of LUSERS: how many are up, their registered users, and the channels they count (each channel is counted by one node).</summary>
public sealed record RemoteCounts(int Servers, int Visible, int Invisible, int Operators, int Channels = 0);
