namespace Parley.Server.Storage;

/// <summary>An account as listed: no credentials.</summary>
public sealed record AccountSummary(string Name, string? Email, DateTimeOffset CreatedAt);
