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

    /// <summary>
    /// How long a stored message is kept, as a <see cref="TimeSpan"/> (<c>30.00:00:00</c>,
    /// <c>00:01:00</c>); zero keeps them until <see cref="MaxMessagesPerTarget"/> drops them.
    /// A record older than this is never returned, even before the pruner deletes it. Null:
    /// <see cref="MaxAgeDays"/>, else 30 days.
    /// </summary>
    public TimeSpan? MaxAge { get; init; }

    /// <summary>The older, whole-day spelling of <see cref="MaxAge"/> (0: no age limit); setting both is an error.</summary>
    public int? MaxAgeDays { get; init; }

    /// <summary>The age limit in force: <see cref="MaxAge"/>, else <see cref="MaxAgeDays"/>, else 30 days; zero: none.</summary>
    public TimeSpan EffectiveMaxAge => MaxAge ?? TimeSpan.FromDays(MaxAgeDays ?? 30);

    /// <summary>Messages and events kept per channel and per conversation side; 0: no limit.</summary>
    public int MaxMessagesPerTarget { get; init; } = 10_000;

    /// <summary>The most messages one CHATHISTORY request returns (ISUPPORT CHATHISTORY).</summary>
    public int QueryLimit { get; init; } = 1000;

    /// <summary>Minutes between two retention sweeps.</summary>
    public int PruneIntervalMinutes { get; init; } = 60;
}
