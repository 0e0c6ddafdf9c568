namespace Parley.Server.Storage;

/// <summary>
/// The age limit a history store applies to every read (Server:History:MaxAge): a record older
/// than <see cref="MaxAge"/> is never returned, even before the pruner deletes it, so what a
/// client sees does not depend on when retention last ran.
/// </summary>
/// <param name="MaxAge">How long a record is visible; <see cref="TimeSpan.Zero"/>: no age limit.</param>
/// <param name="Time">The clock the age is measured on (the server's; a fake one in tests).</param>
public sealed record HistoryRetention(TimeSpan MaxAge, TimeProvider Time)
{
    /// <summary>No age limit.</summary>
    public static HistoryRetention None { get; } = new(TimeSpan.Zero, TimeProvider.System);

    /// <summary>The oldest record time still visible, Unix milliseconds; <see cref="long.MinValue"/> without an age limit.</summary>
    public long OldestVisibleMs()
        => MaxAge > TimeSpan.Zero ? (Time.GetUtcNow() - MaxAge).ToUnixTimeMilliseconds() : long.MinValue;

    /// <summary>An exclusive lower bound in Unix milliseconds: <paramref name="after"/>, raised to just before the oldest visible time.</summary>
    public long ExclusiveLowerMs(DateTimeOffset after)
    {
        var oldest = OldestVisibleMs();
        var lo = after.ToUnixTimeMilliseconds();
        return oldest == long.MinValue ? lo : Math.Max(lo, oldest - 1);
    }

    /// <summary>
    /// A range's lower bound raised to the oldest visible time: <paramref name="after"/> when it
    /// is later, else the point just before <paramref name="oldestMs"/>'s first record.
    /// </summary>
    public static HistoryPoint Floor(HistoryPoint? after, long oldestMs)
    {
        var floor = new HistoryPoint(oldestMs, long.MinValue);
        if (after is not { } a)
        {
            return floor;
        }
        return a.TimeMs > oldestMs || (a.TimeMs == oldestMs && a.Seq > long.MinValue) ? a : floor;
    }
}
