using Parley.Server.Hosting;

namespace Parley.Server.Tests.Hosting;

/// <summary>When the heap is given back after a burst: only when it pays, and not too often.</summary>
public sealed class HeapTrimServiceTests
{
    private const long MB = 1 << 20;

    [Theory]
    // The burst measured at 10,000 idle clients: the working set went from 60 to 212 MB.
    [InlineData(212, 60, 0, null, true)]
    [InlineData(212, 60, 1, 61, true)]
    // Not again within a minute.
    [InlineData(212, 60, 0, 59, false)]
    // Still busy (a burst allocates tens of MB a second): wait until it is over.
    [InlineData(212, 60, 40, null, false)]
    // A small growth is not worth a full blocking collection.
    [InlineData(80, 60, 0, null, false)]
    // Memory steady (or smaller) since the last trim: nothing to give back.
    [InlineData(212, 212, 0, 600, false)]
    [InlineData(150, 212, 0, 600, false)]
    public void ShouldTrim_OnlyAfterTheWorkingSetGrew_WhenQuiet_AtMostOncePerInterval(long workingSetMb, long afterLastTrimMb, long allocatedMb, int? secondsSinceLast, bool expected)
    {
        TimeSpan? since = secondsSinceLast is { } s ? TimeSpan.FromSeconds(s) : null;
        Assert.Equal(expected, HeapTrimService.ShouldTrim(workingSetMb * MB, afterLastTrimMb * MB, allocatedMb * MB, since));
    }
}
