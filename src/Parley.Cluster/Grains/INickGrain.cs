namespace Parley.Cluster.Grains;

/// <summary>
/// One per nick, keyed by the folded nick: who holds it, network-wide. The grain is the one
/// place a nick's ownership is decided, so two nodes claiming it at once get one yes
/// (ARCHITECTURE.md, "Clustered mode"; issue 9). A nick held by a logged-in user may be held
/// on several nodes by users of that one account (multiclient across nodes): each node's user
/// is a holder, and the nick is free once none is left.
/// </summary>
public interface INickGrain : IGrainWithStringKey
{
    /// <summary>Takes the nick for <paramref name="claimant"/> if nobody else holds it; true if it is theirs now.</summary>
    Task<bool> ClaimAsync(NickHolder claimant);

    /// <summary>
    /// Adds <paramref name="claimant"/> (logged in to an account) as one more holder when
    /// every holder is a user of that account on another node (the attaching node then joins the
    /// account's sessions, <see cref="IAccountGrain.JoinAsync"/>). True if the nick is held by
    /// <paramref name="claimant"/> now.
    /// </summary>
    Task<bool> AttachAsync(NickHolder claimant);

    /// <summary>Frees the nick if <paramref name="node"/>'s user <paramref name="userId"/> holds it.</summary>
    Task ReleaseAsync(string node, long userId);

    /// <summary>The holder (the first, when several nodes hold it), or null.</summary>
    Task<NickHolder?> GetAsync();

    /// <summary>Every holder: one per node where the account's user holds the nick; empty if free.</summary>
    Task<NickHolder[]> GetHoldersAsync();
}

/// <summary>A nick's holder: the node (its silo address, unique per start), the user's id there, and that node's observer.</summary>
[GenerateSerializer, Immutable]
public sealed record NickHolder(
    [property: Id(0)] string Node,
    [property: Id(1)] long UserId,
    [property: Id(2)] string Nick,
    [property: Id(3)] string? Account,
    [property: Id(4)] INodeObserver Observer);
