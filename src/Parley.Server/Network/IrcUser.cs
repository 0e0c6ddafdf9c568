namespace Parley.Server.Network;

/// <summary>
/// A client as the network sees it: identity, presence, modes and memberships.
/// </summary>
/// <remarks>
/// Threading: every field is written only under <see cref="IrcNetwork"/>'s lock. The owning
/// session may read its own user's fields without the lock (references are read atomically;
/// a read may see the value from just before a concurrent change, never a torn one).
/// Other sessions never touch an IrcUser: they ask Network.
/// </remarks>
public sealed class IrcUser
{
    private string _nick = "*";
    private string _username = "unknown";
    private string _host;

    public IrcUser(long id, IClientSink sink, string host, string realHost, DateTimeOffset connectedAt)
    {
        Id = id;
        Sink = sink as ClientSessions ?? new ClientSessions(sink, sink);
        _host = host;
        RealHost = realHost;
        ConnectedAt = connectedAt;
        Prefix = "*";
    }

    public long Id { get; }

    /// <summary>
    /// Null for this node's users. In a cluster, a stub standing for a member of a channel
    /// replica who is another node's user: that node's id (the stub delivers nothing).
    /// </summary>
    internal string? RemoteNode { get; init; }

    /// <summary>Where the user's messages go: each of its connections (several with multiclient).</summary>
    public ClientSessions Sink { get; }

    /// <summary>
    /// Always-on (as Ergo's): the user stays, with its nick and channels, when its last
    /// connection ends; messages to it are kept in history. Set at login from the account's
    /// setting and the server's policy (under Network's lock).
    /// </summary>
    public bool AlwaysOn { get; internal set; }

    /// <summary>
    /// In a cluster: whether users of this user's account hold its nick on other nodes too
    /// (multiclient across nodes), so its private messages go there as well. Set by the link.
    /// </summary>
    public bool SessionsElsewhere { get; internal set; }

    /// <summary>
    /// In a cluster, multiclient across nodes: the (node, id) under which this local user is a
    /// channel member, when that is another node's user of its account (the account's primary:
    /// this user stands for it here, see <c>IrcNetwork.AccountSessions</c>); null: its own.
    /// </summary>
    internal (string Node, long Id)? MemberAs { get; set; }

    /// <summary>
    /// In a cluster, for the account's primary: the user of its account on another node that
    /// takes its channel memberships over when this one leaves (told by the account grain).
    /// </summary>
    internal (string Node, long Id)? Successor { get; set; }

    /// <summary>
    /// The user this one's connection attached to (multiclient), or null: a session that still
    /// names this user when it closes is looked up there (under Network's lock).
    /// </summary>
    internal IrcUser? AttachedTo { get; set; }

    /// <summary>Marked away by the server because its last connection ended (always-on), not by the user.</summary>
    internal bool AutoAway { get; set; }

    /// <summary>
    /// While an always-on user has no connection: when its last one was last heard from (its
    /// last line), from which a reconnecting client is replayed what it missed
    /// (<see cref="MissedWindow"/>); null while connected (under Network's lock).
    /// </summary>
    internal DateTimeOffset? LastSeen { get; set; }

    /// <summary>Connected over TLS (WHOIS 671).</summary>
    public bool IsSecure { get; internal set; }

    /// <summary>The SHA-256 fingerprint of the client's TLS certificate (certfp), or null.</summary>
    public string? CertFingerprint { get; internal set; }

    public string Nick
    {
        get => _nick;
        internal set
        {
            _nick = value;
            Prefix = $"{_nick}!{_username}@{_host}";
        }
    }

    public string Username
    {
        get => _username;
        internal set
        {
            _username = value;
            Prefix = $"{_nick}!{_username}@{_host}";
        }
    }

    /// <summary>The host shown to others.</summary>
    public string Host
    {
        get => _host;
        internal set
        {
            _host = value;
            Prefix = $"{_nick}!{_username}@{_host}";
        }
    }

    /// <summary>The connection's real address, shown only to the user and operators.</summary>
    public string RealHost { get; }
    public string RealIp => RealHost;

    /// <summary>nick!user@host, the source of the user's messages.</summary>
    public string Prefix { get; private set; }

    public string Realname { get; internal set; } = "";
    public string? Account { get; internal set; }
    public string? AwayMessage { get; internal set; }
    public UserModes Modes { get; internal set; }
    public string? OperName { get; internal set; }
    public bool IsRegistered { get; internal set; }
    public DateTimeOffset ConnectedAt { get; }
    public DateTimeOffset SignOnAt { get; internal set; }

    /// <summary>When the user last sent a message (for WHOIS idle). Written by the owning session.</summary>
    public DateTimeOffset LastActiveAt { get; set; }

    public bool IsOperator => Modes.HasFlag(UserModes.Operator);
    public bool IsInvisible => Modes.HasFlag(UserModes.Invisible);
    public bool IsBot => Modes.HasFlag(UserModes.Bot);

    /// <summary>Channels the user is in (under Network's lock); made at first use, as an idle client needs none (issue 7).</summary>
    internal HashSet<Channel> Channels => _channels ??= [];

    /// <summary>
    /// Clustered mode: channels (folded names) a user of another node invited this user to, on
    /// a node holding no replica of them (the invite itself is in the channel's replicas
    /// elsewhere); for INVITE with no parameter. Null on a single node.
    /// </summary>
    internal HashSet<string>? InvitedElsewhere { get; set; }

    /// <summary>
    /// A stub (clustered mode): the id of the last user-level event of its node applied to it
    /// (SETNAME), which comes once per shared channel: only the first is shown.
    /// </summary>
    internal long LastUserEvent { get; set; }

    /// <summary>Folded nicks this user MONITORs (under Network's lock); made at first use.</summary>
    internal HashSet<string> Monitoring => _monitoring ??= [];

    private HashSet<Channel>? _channels;
    private HashSet<string>? _monitoring;

    /// <summary>
    /// The user's metadata (draft/metadata-3), null while none: shared by its connections
    /// (multiclient), it ends with the user (under Network's lock). Subscriptions are each
    /// connection's own: see <c>IrcNetwork.Metadata</c>.
    /// </summary>
    internal Dictionary<string, string>? Metadata { get; set; }

    public override string ToString() => Prefix;
}
