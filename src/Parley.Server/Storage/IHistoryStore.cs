namespace Parley.Server.Storage;

/// <summary>
/// Stored messages and channel events (draft/chathistory, event-playback, redaction, offline
/// delivery). Asynchronous and message-shaped, so a PostgreSQL backend fits behind it.
/// </summary>
/// <remarks>
/// Threading: <see cref="AppendAsync"/> is called by one writer at a time (Network's delivery
/// pipeline); reads may run concurrently with it and with each other.
/// </remarks>
public interface IHistoryStore : IDisposable
{
    /// <summary>
    /// The age limit every read applies (<see cref="QueryAsync"/>, <see cref="FindAsync"/>,
    /// <see cref="GetAsync"/>, <see cref="ListTargetsAsync"/>, <see cref="TakePendingAsync"/>):
    /// older records are left out as if already pruned. Set at start-up and by REHASH; replaced
    /// whole, read without locks. Default: <see cref="HistoryRetention.None"/>.
    /// </summary>
    HistoryRetention Retention { get; set; }

    /// <summary>Stores the records in one transaction: all of them are durable when it completes, or none.</summary>
    Task AppendAsync(IReadOnlyList<HistoryRecord> records, CancellationToken cancellationToken = default);

    /// <summary>The records of one target in a range, oldest first.</summary>
    Task<IReadOnlyList<HistoryRecord>> QueryAsync(HistoryQuery query, CancellationToken cancellationToken = default);

    /// <summary>The point of the message with <paramref name="msgId"/> in <paramref name="target"/>, or null.</summary>
    Task<HistoryPoint?> FindAsync(string target, string msgId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The targets whose latest message (PRIVMSG/NOTICE) lies strictly between the two times:
    /// the given channels (folded names) and the conversations of <paramref name="owner"/>,
    /// oldest latest first, at most <paramref name="limit"/>.
    /// </summary>
    Task<IReadOnlyList<HistoryTargetInfo>> ListTargetsAsync(string? owner, IReadOnlyList<string> channels, DateTimeOffset after, DateTimeOffset before, int limit, CancellationToken cancellationToken = default);

    /// <summary>The record with <paramref name="msgId"/> in <paramref name="target"/>, or null.</summary>
    Task<HistoryRecord?> GetAsync(string target, string msgId, CancellationToken cancellationToken = default);

    /// <summary>Deletes every copy of the message <paramref name="msgId"/> (redaction). Returns how many records went.</summary>
    Task<int> DeleteAsync(string msgId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes the messages kept for <paramref name="foldedAccount"/> while it was offline, oldest
    /// first; those past <see cref="Retention"/> are dropped, not handed over.
    /// </summary>
    Task<IReadOnlyList<HistoryRecord>> TakePendingAsync(string foldedAccount, CancellationToken cancellationToken = default);

    /// <summary>The read marker of <paramref name="owner"/> for <paramref name="target"/> (draft/read-marker), or null.</summary>
    Task<DateTimeOffset?> GetReadMarkerAsync(string owner, string target, CancellationToken cancellationToken = default);

    /// <summary>Moves the read marker forward to <paramref name="time"/> (never back); returns the marker as it now is.</summary>
    Task<DateTimeOffset> SetReadMarkerAsync(string owner, string target, DateTimeOffset time, CancellationToken cancellationToken = default);

    /// <summary>Drops what retention no longer keeps: records older than <paramref name="olderThan"/>, and beyond <paramref name="maxPerTarget"/> per target (0: no limit).</summary>
    Task PruneAsync(DateTimeOffset olderThan, int maxPerTarget, CancellationToken cancellationToken = default);
}
