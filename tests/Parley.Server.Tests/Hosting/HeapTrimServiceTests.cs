using Parley.Server.Hosting;

namespace Parley.Server.Tests.Hosting;

/// <summary>When the heap is given back after a burst: only when it pays, and not too often.</summary>
public sealed class HeapTrimServiceTests
{
    private const long MB = 1 << 20;

    [Theory]
    // The burst case measured at 10,000 idle clients: 155 MB committed, 70 MB live.
    [InlineData(155, 70, 0, null, true)]
    [InlineData(155, 70, 1, 61, true)]
    // Not again within a minute.
    [InlineData(155, 70, 0, 59, false)]
    // Still busy (a burst allocates tens of MB a second): wait until it is over.
    [InlineData(155, 70, 40, null, false)]
    // A small surplus is not worth a full blocking collection.
    [InlineData(40, 10, 0, null, false)]
    // Mostly live: nothing to give back.
    [InlineData(300, 200, 0, null, false)]
    [InlineData(70, 70, 0, null, false)]
    public void ShouldTrim_OnlyALargeSurplus_WhenQuiet_AtMostOncePerInterval(long committedMb, long liveMb, long allocatedMb, int? secondsSinceLast, bool expected)
    {
        TimeSpan? since = secondsSinceLast is { } s ? TimeSpan.FromSeconds(s) : null;
        Assert.Equal(expected, HeapTrimService.ShouldTrim(committedMb * MB, liveMb * MB, allocatedMb * MB, since));
    }
}
