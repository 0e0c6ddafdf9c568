namespace Parley.Client;

/// <summary>What WHOIS told about a nick.</summary>
public sealed record WhoisResult(string Nick)
{
    public bool Online { get; init; }
    public string? User { get; init; }
    public string? Host { get; init; }
    public string? RealName { get; init; }
    public string? Server { get; init; }
    public string? Account { get; init; }
    public string? Away { get; init; }
    public TimeSpan? Idle { get; init; }
    public string? Channels { get; init; }

    /// <summary>"address port" where the user accepts direct chats, when published (metadata).</summary>
    public string? DirectChat { get; init; }
}
