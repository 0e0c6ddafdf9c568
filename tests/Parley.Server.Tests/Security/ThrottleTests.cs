using Parley.Protocol;
using Parley.Server.Hosting;
using Parley.Server.Tests.Infrastructure;
using Parley.Server.Tests.Operators;

namespace Parley.Server.Tests.Security;

/// <summary>Nick-change and join throttles: refusals with the wait, operators exempt, off with flood control.</summary>
public sealed class ThrottleTests
{
    private static ServerOptions Options(bool flood = true) => Opers.Options() with
    {
        Flood = new FloodOptions { Enabled = flood, Burst = 100, NickChangeBurst = 2, NickChangesPerMinute = 6, JoinBurst = 3, JoinsPerMinute = 6 },
    };

    [Fact]
    public async Task NickChanges_BeyondTheBurst_Get438_UntilTheBucketRefills()
    {
        await using var server = new TestServer(Options(), floodControl: true);
        var alice = await server.ConnectRegisteredAsync("alice");

        await alice.SendAsync("NICK alice1");
        await alice.SendAsync("NICK alice2");
        await alice.SendAsync("NICK alice3");
        var replies = await alice.SyncAsync();

        Assert.Equal(2, replies.Count(m => m.Command == "NICK"));
        var refused = Assert.Single(replies, m => m.Command == Numerics.ERR_NICKTOOFAST);
        Assert.Equal(["alice2", "alice3", "Nick change too fast. Please wait 10 seconds"], refused.Parameters);

        server.Time.Advance(TimeSpan.FromSeconds(10));
        await alice.SendAsync("NICK alice3");
        Assert.Contains(await alice.SyncAsync(), m => m.Command == "NICK");
    }

    [Fact]
    public async Task Joins_BeyondTheBurst_Get439PerChannel()
    {
        await using var server = new TestServer(Options(), floodControl: true);
        var alice = await server.ConnectRegisteredAsync("alice");

        await alice.SendAsync("JOIN #a,#b,#c,#d,#e");
        var replies = await alice.SyncAsync();

        Assert.Equal(["#a", "#b", "#c"], replies.Where(m => m.Command == "JOIN").Select(m => m.Parameters[0]));
        Assert.Equal(["#d", "#e"], replies.Where(m => m.Command == Numerics.ERR_TARGETTOOFAST).Select(m => m.Parameters[1]));
    }

    [Fact]
    public async Task Operators_AndServersWithoutFloodControl_AreNotThrottled()
    {
        await using var server = new TestServer(Options(), floodControl: true);
        var oper = await server.ConnectRegisteredAsync("oper");
        await Opers.OperAsync(oper);
        await using var open = new TestServer(Options(flood: false));
        var alice = await open.ConnectRegisteredAsync("alice");

        foreach (var c in new[] { oper, alice })
        {
            await c.SendAsync("JOIN #a,#b,#c,#d,#e");
            for (var i = 0; i < 4; i++)
            {
                await c.SendAsync($"NICK n{i}");
            }
            var replies = await c.SyncAsync();
            Assert.Equal(5, replies.Count(m => m.Command == "JOIN"));
            Assert.Equal(4, replies.Count(m => m.Command == "NICK"));
            Assert.DoesNotContain(replies, m => m.Command is Numerics.ERR_NICKTOOFAST or Numerics.ERR_TARGETTOOFAST);
        }
    }
}
