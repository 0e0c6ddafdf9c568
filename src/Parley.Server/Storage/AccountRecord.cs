using Parley.Server.Security;

namespace Parley.Server.Storage;

/// <summary>One account as stored: its display name, credentials, e-mail and creation time.</summary>
/// <param name="AlwaysOn">The account's always-on setting (NickServ SET ALWAYS-ON), null: the server's default.</param>
/// <param name="AutoreplayMissed">
/// Whether lines said in its channels while its always-on user had no connection are replayed
/// to a client that reconnects without draft/chathistory (NickServ SET AUTOREPLAY-MISSED);
/// null: never set, which means on.
/// </param>
public sealed record AccountRecord(string Name, ScramCredentials Credentials, string? Email, DateTimeOffset CreatedAt, bool? AlwaysOn = null, bool? AutoreplayMissed = null)
{
    /// <summary>The autoreplay-missed setting in force: on unless the account turned it off.</summary>
    public bool ReplaysMissed => AutoreplayMissed ?? true;
}
