using System.Text;

namespace Parley.ClusterLoad.Tests;

public class PayloadTests
{
    [Theory]
    [InlineData(0, 1L, 0L, 32)]
    [InlineData(9, 123_456L, 987_654_321_012L, 64)]
    [InlineData(int.MaxValue, long.MaxValue, long.MaxValue, 32)]
    public void Write_ThenTryParse_GivesTheSameNumbers_PaddedToTheSize(int sender, long seq, long ticks, int size)
    {
        var buffer = new byte[Math.Max(size, Payload.MaxPrefix)];
        var n = Payload.Write(buffer, sender, seq, ticks, size);
        Assert.True(n >= size);
        Assert.True(Payload.TryParse(buffer.AsSpan(0, n), out var s, out var q, out var t));
        Assert.Equal((sender, seq, ticks), (s, q, t));
    }

    [Fact]
    public void Write_PadsWithX()
    {
        var buffer = new byte[64];
        var n = Payload.Write(buffer, 3, 7, 42, 16);
        Assert.Equal("3:7:42:xxxxxxxxx", Encoding.ASCII.GetString(buffer, 0, n));
    }

    [Theory]
    [InlineData("hello")]
    [InlineData("")]
    [InlineData("1:2")]
    [InlineData("1:2:3")]
    [InlineData("-1:2:3:")]
    [InlineData("1:0:3:")]
    [InlineData("a:2:3:")]
    [InlineData("1:2:b:")]
    public void TryParse_OtherText_IsRefused(string text) =>
        Assert.False(Payload.TryParse(Encoding.ASCII.GetBytes(text), out _, out _, out _));
}
