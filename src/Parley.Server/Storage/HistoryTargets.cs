namespace Parley.Server.Storage;

/// <summary>
/// The history keys. A channel's history is under its folded name. A private conversation is
/// kept once per participant, under <c>owner + ' ' + folded correspondent nick</c>, where the
/// owner is <c>a:</c> and the folded account name for a logged-in user (history that follows the
/// account across connections), or <c>s:</c> and a connection id for others (history that ends
/// with the connection, so the next holder of the nick cannot read it; as Ergo).
/// </summary>
public static class HistoryTargets
{
    public static string AccountOwner(string foldedAccount) => "a:" + foldedAccount;

    public static string ConnectionOwner(string connectionId) => "s:" + connectionId;

    public static string Direct(string owner, string foldedCorrespondent) => owner + " " + foldedCorrespondent;

    /// <summary>The first key of <paramref name="owner"/>'s conversations; every one sorts before <see cref="DirectEnd"/>.</summary>
    public static string DirectStart(string owner) => owner + " ";

    public static string DirectEnd(string owner) => owner + "!";
}
