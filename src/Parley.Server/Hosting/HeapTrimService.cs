using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Parley.Server.Hosting;

/// <summary>
/// Gives the memory of a burst back to the system once it is over (issue 7, idle memory).
/// </summary>
/// <remarks>
/// During a burst (thousands of registrations, a flood of messages) the GC grows its heap
/// regions; afterwards most of them are empty but stay committed, because the GC releases free
/// regions only a little at each collection, and an idle server makes none. Measured at 10,000
/// idle clients: 70 MB live, 155 MB committed, for 16 KB of RSS per connection instead of 8.
/// Neither Server GC with DATAS, GCConserveMemory, a smaller gen0 budget nor the segments GC
/// (libclrgc.so) changed that (docs/benchmarks.md); only a collection in
/// <see cref="GCCollectionMode.Aggressive"/> mode, which compacts and decommits everything
/// unused, does. It is a blocking full collection (about 100-250 ms at 70 MB live on one core),
/// so it runs only when it pays and once the burst is over: more than <see cref="MinSurplusBytes"/>
/// committed beyond the live heap, the committed memory more than twice the live heap, less
/// than <see cref="QuietBytes"/> allocated since the last look (a few seconds), and at most once
/// per <see cref="MinInterval"/>. Threading: one timer, never concurrent with itself.
/// </remarks>
public sealed partial class HeapTrimService(TimeProvider time, ILogger<HeapTrimService> logger) : IHostedService, IDisposable
{
    /// <summary>How often the heap is looked at: memory goes back within two of these after a burst.</summary>
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(2);

    /// <summary>Allocated between two looks, at most, for the server to count as quiet (a burst of registrations allocates tens of MB a second).</summary>
    public const long QuietBytes = 4L << 20;

    /// <summary>Never more often than this, so a steady churn pays at most one pause per interval.</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromMinutes(1);

    /// <summary>Committed memory beyond the live heap below which trimming is not worth a pause.</summary>
    public const long MinSurplusBytes = 32L << 20;

    private ITimer? _timer;
    private long _lastTrimStamp;
    private long _lastAllocated = GC.GetTotalAllocatedBytes();

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _timer = time.CreateTimer(_ => Check(), null, CheckInterval, CheckInterval);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => _timer?.Dispose();

    /// <summary>Whether a heap of <paramref name="liveBytes"/> with <paramref name="committedBytes"/> committed should be trimmed now.</summary>
    /// <param name="allocatedSinceLastLook">Bytes allocated since the previous look.</param>
    /// <param name="sinceLastTrim">Time since the last trim, or null if there was none.</param>
    public static bool ShouldTrim(long committedBytes, long liveBytes, long allocatedSinceLastLook, TimeSpan? sinceLastTrim)
        => committedBytes - liveBytes > MinSurplusBytes
           && committedBytes > 2 * liveBytes
           && allocatedSinceLastLook < QuietBytes
           && (sinceLastTrim is null || sinceLastTrim >= MinInterval);

    private void Check()
    {
        var info = GC.GetGCMemoryInfo();
        var now = time.GetTimestamp();
        var allocated = GC.GetTotalAllocatedBytes();
        var allocatedSince = allocated - _lastAllocated;
        _lastAllocated = allocated;
        TimeSpan? since = _lastTrimStamp == 0 ? null : time.GetElapsedTime(_lastTrimStamp, now);
        if (!ShouldTrim(info.TotalCommittedBytes, info.HeapSizeBytes, allocatedSince, since))
        {
            return;
        }
        var before = info.TotalCommittedBytes;
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        _lastTrimStamp = time.GetTimestamp();
        var after = GC.GetGCMemoryInfo();
        LogTrimmed(before >> 20, after.TotalCommittedBytes >> 20, after.HeapSizeBytes >> 20, time.GetElapsedTime(now, _lastTrimStamp).TotalMilliseconds);
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Information, Message = "Heap trimmed after a burst: {Before} MB committed -> {After} MB ({Live} MB live), {Ms:F0} ms")]
    private partial void LogTrimmed(long before, long after, long live, double ms);
}
