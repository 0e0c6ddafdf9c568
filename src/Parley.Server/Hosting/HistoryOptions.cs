namespace Parley.Server.Hosting;

/// <summary>Message history (draft/chathistory, offline delivery), bound from <c>Server:History</c>.</summary>
public sealed record HistoryOptions
{
    /// <summary>
    /// Whether messages and channel events are stored (in <c>history.db</c> in the data
    /// directory). Off (<c>--no-history</c>): nothing is written, CHATHISTORY is not offered,
    /// and messages to offline accounts get 401 as for any absent nick.
    /// </summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Days a stored message is kept; 0 keeps them until <see cref="MaxMessagesPerTarget"/> drops them.</summary>
    public int MaxAgeDays { get; init; } = 30;

    /// <summary>Messages and events kept per channel and per conversation side; 0: no limit.</summary>
    public int MaxMessagesPerTarget { get; init; } = 10_000;

    /// <summary>The most messages one CHATHISTORY request returns (ISUPPORT CHATHISTORY).</summary>
    public int QueryLimit { get; init; } = 1000;

    /// <summary>Minutes between two retention sweeps.</summary>
    public int PruneIntervalMinutes { get; init; } = 60;
}
