namespace Parley.Cluster.Grains;

/// <summary>
/// One per account, keyed by the folded account name: the account's users on every node that
/// share its nick (multiclient across nodes; ARCHITECTURE.md, "Clustered mode"), one session
/// per node. The nick grain still decides who holds a nick; this grain keeps what is the
/// account's: which nodes have its user, and which of them is its <em>primary</em> (the first:
/// the user whose (node, id) is the account's member identity in channels, see
/// docs/cluster.md, "One account on several nodes"). Each session's node is told the list when
/// it changes (<see cref="INodeObserver.AccountSessionsAsync"/>).
/// </summary>
/// <remarks>
/// Registered lazily: the grain is written when a second node's user attaches (until then the
/// account's one user needs nothing here), and its row is deleted when one session is left.
/// </remarks>
public interface IAccountGrain : IGrainWithStringKey
{
    /// <summary>
    /// <paramref name="newcomer"/> attaches to the account's nick, held by <paramref name="present"/>
    /// (the nick grain's holders, the first its primary): the sessions after the change, the
    /// primary first. Every session's node is told.
    /// </summary>
    Task<AccountSession[]> JoinAsync(AccountSession[] present, AccountSession newcomer);

    /// <summary>The session of <paramref name="node"/>'s user <paramref name="userId"/> ended; the others' nodes are told (the next is primary if it was).</summary>
    Task LeaveAsync(string node, long userId);

    /// <summary>The account's user changed nick on every node (the NICK handler renamed them all).</summary>
    Task RenameAsync(string nick);

    /// <summary>The sessions, primary first, less those of nodes membership declared dead; their nodes are told if any was dropped.</summary>
    Task<AccountSession[]> RefreshAsync();
}

/// <summary>One node's user of an account: the node (silo address), the user's id and nick there, and that node's observer.</summary>
[GenerateSerializer, Immutable]
public sealed record AccountSession(
    [property: Id(0)] string Node,
    [property: Id(1)] long UserId,
    [property: Id(2)] string Nick,
    [property: Id(3)] INodeObserver Observer);

/// <summary>An account grain's persisted state: its sessions, the primary first. Empty (row deleted) with fewer than two.</summary>
[GenerateSerializer]
public sealed class AccountState
{
    [Id(0)]
    public List<AccountSession> Sessions { get; set; } = [];
}
