using Parley.Server.Security;

namespace Parley.Server.Storage;

/// <summary>One account as stored: its display name, credentials, e-mail and creation time.</summary>
public sealed record AccountRecord(string Name, ScramCredentials Credentials, string? Email, DateTimeOffset CreatedAt);
