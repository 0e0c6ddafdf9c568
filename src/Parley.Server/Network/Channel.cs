namespace Parley.Server.Network;

/// <summary>
/// A channel's state: members, topic, modes and lists.
/// </summary>
/// <remarks>Threading: read and written only under <see cref="IrcNetwork"/>'s lock, which is
/// the serialization point that gives every member the channel's events in one order
/// (ARCHITECTURE.md rule 4).</remarks>
public sealed class Channel
{
    public Channel(string name, DateTimeOffset createdAt)
    {
        Name = name;
        CreatedAt = createdAt;
    }

    public string Name { get; }
    public DateTimeOffset CreatedAt { get; }

    public string? Topic { get; internal set; }
    public string? TopicSetBy { get; internal set; }
    public DateTimeOffset TopicSetAt { get; internal set; }

    public ChannelModeFlags Flags { get; internal set; }
    public string? Key { get; internal set; }
    public int? Limit { get; internal set; }

    internal Dictionary<IrcUser, MemberStatus> Members { get; } = [];
    internal List<ListEntry> Bans { get; } = [];
    internal List<ListEntry> Excepts { get; } = [];
    internal List<ListEntry> InviteExceptions { get; } = [];

    /// <summary>
    /// Users invited since they last joined (INVITE lets them past +i, +l, +k and bans). Another
    /// node's user (clustered mode) is the same invitee whichever stub stands for it.
    /// </summary>
    internal HashSet<IrcUser> Invited { get; } = new(InviteeComparer.Instance);

    /// <summary>The channel's metadata (draft/metadata-3), null while none; it ends with the channel.</summary>
    internal Dictionary<string, string>? Metadata { get; set; }

    public int MemberCount => Members.Count;

    public bool Has(ChannelModeFlags flag) => (Flags & flag) != 0;

    public override string ToString() => Name;

    /// <summary>
    /// A local user is itself; another node's user (a stub, clustered mode) is (its node, its id
    /// there): the stub made when it was invited and the one made when it joins are one invitee.
    /// </summary>
    private sealed class InviteeComparer : IEqualityComparer<IrcUser>
    {
        public static readonly InviteeComparer Instance = new();

        public bool Equals(IrcUser? x, IrcUser? y)
            => ReferenceEquals(x, y) || (x?.RemoteNode is { } node && y is not null && node == y.RemoteNode && x.Id == y.Id);

        public int GetHashCode(IrcUser user)
            => user.RemoteNode is { } node ? HashCode.Combine(node, user.Id) : System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(user);
    }
}
