using Parley.Server.Network;

namespace Parley.Server.Tests.History;

/// <summary>The server-time tag read back as a time (history records are stamped from it).</summary>
public sealed class TimeTagTests
{
    [Theory]
    [InlineData(2026, 12, 8, 1, 2, 3, 45)]
    [InlineData(2024, 2, 29, 23, 59, 59, 999)]
    [InlineData(1, 1, 1, 0, 0, 0, 0)]
    [InlineData(9999, 12, 31, 23, 59, 59, 999)]
    public void OurOwnTags_RoundTrip(int y, int mo, int d, int h, int mi, int s, int ms)
    {
        var t = new DateTimeOffset(y, mo, d, h, mi, s, ms, TimeSpan.Zero);
        var tag = IrcNetwork.FormatTime(t);
        Assert.True(IrcNetwork.TryParseOwnTime(tag, out var fast));
        Assert.Equal(t, fast);
        Assert.Equal(t, IrcNetwork.ParseTime(tag));
    }

    [Theory]
    [InlineData("2026-02-30T00:00:00.000Z")]
    [InlineData("2025-02-29T00:00:00.000Z")]
    [InlineData("2026-13-01T00:00:00.000Z")]
    [InlineData("2026-12-08T24:00:00.000Z")]
    [InlineData("2026-12-08T01:60:00.000Z")]
    [InlineData("2026-12-08T01:02:03.04Z")]
    [InlineData("2026-12-08T01:02:03.045+00:00")]
    [InlineData("2026-12-08 01:02:03.045Z")]
    [InlineData("2026-1a-08T01:02:03.045Z")]
    [InlineData("")]
    public void AnythingElse_IsNotReadAsOurs_AndGetsTheGeneralParsersAnswer(string tag)
    {
        Assert.False(IrcNetwork.TryParseOwnTime(tag, out _));
        var general = DateTimeOffset.TryParseExact(tag, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var t) ? t : DateTimeOffset.UnixEpoch;
        Assert.Equal(general, IrcNetwork.ParseTime(tag));
    }
}
