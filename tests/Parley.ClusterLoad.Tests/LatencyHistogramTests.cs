namespace Parley.ClusterLoad.Tests;

public class LatencyHistogramTests
{
    [Fact]
    public void Empty_QuantilesAreZero()
    {
        var h = new LatencyHistogram();
        Assert.Equal(0, h.Quantile(0.99));
        Assert.Equal(0, h.Count);
    }

    [Fact]
    public void SmallValues_AreExact()
    {
        var h = new LatencyHistogram();
        for (var v = 1; v <= 100; v++)
        {
            h.Record(v);
        }
        Assert.Equal(50, h.Quantile(0.50));
        Assert.Equal(99, h.Quantile(0.99));
        Assert.Equal(100, h.Quantile(1.0));
        Assert.Equal(1, h.Quantile(0));
        Assert.Equal(50.5, h.Mean);
    }

    [Theory]
    [InlineData(0.50)]
    [InlineData(0.90)]
    [InlineData(0.99)]
    [InlineData(0.999)]
    public void LargeValues_AreWithinOneSixtyFourth(double q)
    {
        // 1 µs .. 100 ms in 1 µs steps: the nearest-rank quantile is known exactly.
        var h = new LatencyHistogram();
        const int n = 100_000;
        for (var i = 1; i <= n; i++)
        {
            h.Record(i * 1000L);
        }
        var exact = (long)Math.Ceiling(q * n) * 1000;
        var got = h.Quantile(q);
        Assert.InRange(got, exact, exact + (exact / 64));
        Assert.Equal(n * 1000L, h.Max);
    }

    [Fact]
    public void AQuantile_NeverPassesTheMax()
    {
        var h = new LatencyHistogram();
        h.Record(1_000_001);
        Assert.Equal(1_000_001, h.Quantile(0.99));
    }

    [Fact]
    public void Add_MergesCountsAndExtremes()
    {
        var a = new LatencyHistogram();
        var b = new LatencyHistogram();
        for (var i = 0; i < 99; i++)
        {
            a.Record(1_000);
        }
        b.Record(5_000_000);
        a.Add(b);
        Assert.Equal(100, a.Count);
        Assert.Equal(5_000_000, a.Max);
        Assert.Equal(1_000, a.Min);
        Assert.InRange(a.Quantile(0.99), 1_000, 1_000 + 16);
        Assert.Equal(5_000_000, a.Quantile(1.0));
    }

    [Fact]
    public void Buckets_AreOrderedAndHoldTheirValues()
    {
        long previousUpper = -1;
        for (var i = 0; i < 3000; i++)
        {
            var upper = LatencyHistogram.UpperBound(i);
            Assert.True(upper > previousUpper, $"bucket {i}");
            Assert.Equal(i, LatencyHistogram.IndexOf(upper));
            Assert.Equal(i, LatencyHistogram.IndexOf(previousUpper + 1));
            previousUpper = upper;
        }
        Assert.True(LatencyHistogram.IndexOf(long.MaxValue) < 3776);
    }
}
