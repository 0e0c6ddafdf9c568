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
/// so it runs only when it pays and once the burst is over: the process's working set grew by
/// more than <see cref="MinGrowthBytes"/> since the last trim (or the start), less than
/// <see cref="QuietBytes"/> was allocated since the last look, and at most once per
/// <see cref="MinInterval"/>. The working set is read each time; the GC's own figures
/// (<see cref="GC.GetGCMemoryInfo()"/>) are those of the last collection, and after a burst of
/// registrations that can be one made early in the burst: 27 MB committed against a 212 MB
/// working set at 10,000 clients, so a rule on them missed the burst (14 KB per idle
/// connection instead of 5.5). A server whose memory holds steady is never paused.
/// Threading: one timer, never concurrent with itself.
/// </remarks>
public sealed partial class HeapTrimService(TimeProvider time, ILogger<HeapTrimService> logger) : IHostedService, IDisposable
{
    /// <summary>How often the heap is looked at: memory goes back within two of these after a burst.</summary>
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(2);

    /// <summary>Allocated between two looks, at most, for the server to count as quiet (a burst of registrations allocates tens of MB a second).</summary>
    public const long QuietBytes = 4L << 20;

    /// <summary>Never more often than this, so a steady churn pays at most one pause per interval.</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromMinutes(1);

    /// <summary>Growth of the working set since the last trim below which trimming is not worth a pause.</summary>
    public const long MinGrowthBytes = 32L << 20;

    private ITimer? _timer;
    private long _lastTrimStamp;
    private long _lastAllocated = GC.GetTotalAllocatedBytes();
    private long _workingSetAfterTrim = Environment.WorkingSet;

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

    /// <summary>Whether to trim now.</summary>
    /// <param name="workingSet">The process's working set now.</param>
    /// <param name="workingSetAfterLastTrim">The working set after the last trim (at the start if none).</param>
    /// <param name="allocatedSinceLastLook">Bytes allocated since the previous look.</param>
    /// <param name="sinceLastTrim">Time since the last trim, or null if there was none.</param>
    public static bool ShouldTrim(long workingSet, long workingSetAfterLastTrim, long allocatedSinceLastLook, TimeSpan? sinceLastTrim)
        => workingSet - workingSetAfterLastTrim > MinGrowthBytes
           && allocatedSinceLastLook < QuietBytes
           && (sinceLastTrim is null || sinceLastTrim >= MinInterval);

    private void Check()
    {
        var now = time.GetTimestamp();
        var allocated = GC.GetTotalAllocatedBytes();
        var allocatedSince = allocated - _lastAllocated;
        _lastAllocated = allocated;
        var workingSet = Environment.WorkingSet;
        TimeSpan? since = _lastTrimStamp == 0 ? null : time.GetElapsedTime(_lastTrimStamp, now);
        if (!ShouldTrim(workingSet, _workingSetAfterTrim, allocatedSince, since))
        {
            return;
        }
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        _lastTrimStamp = time.GetTimestamp();
        _workingSetAfterTrim = Environment.WorkingSet;
        LogTrimmed(workingSet >> 20, _workingSetAfterTrim >> 20, GC.GetGCMemoryInfo().HeapSizeBytes >> 20, time.GetElapsedTime(now, _lastTrimStamp).TotalMilliseconds);
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Information, Message = "Heap trimmed after a burst: working set {Before} MB -> {After} MB ({Live} MB live), {Ms:F0} ms")]
    private partial void LogTrimmed(long before, long after, long live, double ms);
}
