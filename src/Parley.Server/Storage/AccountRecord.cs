using Parley.Server.Security;

namespace Parley.Server.Storage;

/// <summary>One account as stored: its display name, credentials, e-mail and creation time.</summary>
/// <param name="AlwaysOn">The account's always-on setting (NickServ SET ALWAYS-ON), null: the server's default.</param>
public sealed record AccountRecord(string Name, ScramCredentials Credentials, string? Email, DateTimeOffset CreatedAt, bool? AlwaysOn = null);
