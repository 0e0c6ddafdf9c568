namespace Parley.Server.Storage;

/// <summary>
/// A point in one target's history: a message (by msgid, resolved to its time and sequence)
/// or a time. Comparisons are on (time, sequence); a bare time sorts before every message of
/// its millisecond when <see cref="Seq"/> is <see cref="long.MinValue"/> and after them with
/// <see cref="long.MaxValue"/>.
/// </summary>
public readonly record struct HistoryPoint(long TimeMs, long Seq)
{
    public static HistoryPoint BeforeTime(DateTimeOffset t) => new(t.ToUnixTimeMilliseconds(), long.MinValue);

    public static HistoryPoint AfterTime(DateTimeOffset t) => new(t.ToUnixTimeMilliseconds(), long.MaxValue);
}

/// <summary>Which way a query reads from its bound.</summary>
public enum HistoryDirection
{
    /// <summary>The newest records before <see cref="HistoryQuery.Before"/> (and after After, if set).</summary>
    Backward,

    /// <summary>The oldest records after <see cref="HistoryQuery.After"/> (and before Before, if set).</summary>
    Forward,
}

/// <summary>
/// A range of one target's history: records strictly between <see cref="After"/> and
/// <see cref="Before"/> (null: unbounded), at most <see cref="Limit"/>, read from the end
/// <see cref="Direction"/> names. Results are always oldest first.
/// </summary>
public sealed record HistoryQuery(
    string Target,
    HistoryDirection Direction,
    int Limit,
    HistoryPoint? After = null,
    HistoryPoint? Before = null,
    bool IncludeEvents = false);

/// <summary>A conversation or channel and the time of its latest message (CHATHISTORY TARGETS).</summary>
public readonly record struct HistoryTargetInfo(string Target, string Name, DateTimeOffset LatestAt);
