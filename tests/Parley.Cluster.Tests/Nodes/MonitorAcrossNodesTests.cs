using Parley.Cluster.Tests.Infrastructure;

namespace Parley.Cluster.Tests.Nodes;

/// <summary>
/// MONITOR across nodes (issue 9): a watcher on one node is told when a nick comes online or
/// goes offline on the other, and MONITOR + / S see nicks held there.
/// https://ircv3.net/specs/extensions/monitor
/// </summary>
public sealed class MonitorAcrossNodesTests(TwoNodeFixture nodes) : IClassFixture<TwoNodeFixture>
{
    private static Func<string, bool> Numeric(string code) => l => l.Contains($" {code} ", StringComparison.Ordinal);

    private static Func<string, bool> Status => l => Numeric("730")(l) || Numeric("731")(l);

    [Fact]
    public async Task AWatcherOnOneNode_IsToldWhenANickComesOnlineAndGoesOffline_OnTheOther()
    {
        await using var wanda = await IrcLineClient.RegisterAsync(nodes.One.Port, "wanda");
        await wanda.SendAsync("MONITOR + olly");
        Assert.Matches(@" 731 wanda :?olly$", await wanda.ExpectAsync(Status));

        await using var olly = await IrcLineClient.RegisterAsync(nodes.Two.Port, "olly");
        Assert.Matches(@" 730 wanda :?olly!\S+@\S+$", await wanda.ExpectAsync(Status));

        // A nick change is the old nick going offline; back to it, online again.
        await olly.SendAsync("NICK olly_");
        Assert.Matches(@" 731 wanda :?olly$", await wanda.ExpectAsync(Status));
        await olly.SendAsync("NICK olly");
        Assert.Matches(@" 730 wanda :?olly!\S+@\S+$", await wanda.ExpectAsync(Status));

        await olly.SendAsync("QUIT :bye");
        Assert.Matches(@" 731 wanda :?olly$", await wanda.ExpectAsync(Status));
    }

    [Fact]
    public async Task MonitorAddAndStatus_OfANickHeldOnTheOtherNode_SayOnline()
    {
        await using var polly = await IrcLineClient.RegisterAsync(nodes.Two.Port, "polly");
        await using var wendy = await IrcLineClient.RegisterAsync(nodes.One.Port, "wendy");

        await wendy.SendAsync("MONITOR + polly,nobody");
        var first = await wendy.ExpectAsync(Status);
        var second = await wendy.ExpectAsync(Status);
        Assert.Matches(@" 730 wendy :?polly\b", first);
        Assert.Matches(@" 731 wendy :?nobody$", second);

        await wendy.SendAsync("MONITOR S");
        Assert.Matches(@" 730 wendy :?polly\b", await wendy.ExpectAsync(Status));
        Assert.Matches(@" 731 wendy :?nobody$", await wendy.ExpectAsync(Status));

        // Removed from the list: its going offline is no news any more. Node two's news reach
        // node one in order, so zed's coming online there after polly's quit is the next one.
        await wendy.SendAsync("MONITOR - polly", "MONITOR + zed");
        Assert.Matches(@" 731 wendy :?zed$", await wendy.ExpectAsync(Status));
        await polly.SendAsync("QUIT :bye");
        await polly.ExpectAsync(l => l.StartsWith("ERROR", StringComparison.Ordinal));
        await using var zed = await IrcLineClient.RegisterAsync(nodes.Two.Port, "zed");
        Assert.Matches(@" 730 wendy :?zed!\S+@\S+$", await wendy.ExpectAsync(Status));
    }
}
