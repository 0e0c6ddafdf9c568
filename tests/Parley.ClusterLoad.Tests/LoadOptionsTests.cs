namespace Parley.ClusterLoad.Tests;

public class LoadOptionsTests
{
    [Fact]
    public void Parse_PortsRepeatedAndListed_KeepsTheirOrder()
    {
        Assert.True(LoadOptions.TryParse(["--port", "6671", "--ports", "6672,6673", "--clients", "200", "--senders", "10"], out var o, out var error), error);
        Assert.Equal([6671, 6672, 6673], o!.Ports);
        Assert.Equal(200, o.Clients);
        Assert.Equal(10, o.Senders);
        Assert.False(o.AckAll);
    }

    [Fact]
    public void Parse_KeyEqualsValue_AndAckAll()
    {
        Assert.True(LoadOptions.TryParse(["--port=1", "--ack=all", "--pids", "10,11", "--window", "4"], out var o, out var error), error);
        Assert.True(o!.AckAll);
        Assert.Equal([10, 11], o.Pids);
        Assert.Equal(4, o.Window);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("127.0.0.2")]
    [InlineData("10.0.0.1")]
    [InlineData("::1")]
    [InlineData("0.0.0.0")]
    public void Parse_AnyHostButLoopback127001_IsRefused(string host)
    {
        Assert.False(LoadOptions.TryParse(["--port", "6671", "--host", host], out _, out var error));
        Assert.Contains("127.0.0.1", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "--clients", "100" }, "--port")]
    [InlineData(new[] { "--port", "70000" }, "not a port")]
    [InlineData(new[] { "--port", "1", "--clients", "10", "--senders", "10" }, "--senders")]
    [InlineData(new[] { "--port", "1", "--port", "2", "--port", "3", "--clients", "4", "--senders", "2" }, "receiver")]
    [InlineData(new[] { "--port", "1", "--ack", "some" }, "--ack")]
    [InlineData(new[] { "--port", "1", "--size", "8" }, "--size")]
    [InlineData(new[] { "--port", "1", "--seconds", "0" }, "--seconds")]
    [InlineData(new[] { "--port", "1", "--bogus", "1" }, "--bogus")]
    [InlineData(new[] { "--port", "1", "--channel", "nohash" }, "--channel")]
    [InlineData(new[] { "--port" }, "needs a value")]
    [InlineData(new[] { "6671" }, "unexpected")]
    public void Parse_BadInput_SaysWhat(string[] args, string expected)
    {
        Assert.False(LoadOptions.TryParse(args, out var o, out var error));
        Assert.Null(o);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }
}
