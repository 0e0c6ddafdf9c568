using Parley.Protocol;
using Parley.Server.Hosting;
using Parley.Server.Tests.Infrastructure;

namespace Parley.Server.Tests.Queries;

public sealed class AwayTests
{
    [Fact]
    public async Task Away_WithText_RepliesNowAwayAndWithoutRepliesUnaway()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");

        await alice.SendAsync("AWAY :lunch");
        var away = await alice.SyncAsync();
        await alice.SendAsync("AWAY");
        var back = await alice.SyncAsync();

        Assert.Equal([Numerics.RPL_NOWAWAY], away.Select(m => m.Command));
        Assert.Equal([Numerics.RPL_UNAWAY], back.Select(m => m.Command));
        Assert.Null(alice.Session.User.AwayMessage);
    }

    [Fact]
    public async Task Away_EmptyText_IsTheSameAsNone()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");
        await alice.SendAsync("AWAY :lunch");
        await alice.SyncAsync();

        await alice.SendAsync("AWAY :");

        Assert.Equal(Numerics.RPL_UNAWAY, (await alice.ReadAsync()).Command);
        Assert.Null(alice.Session.User.AwayMessage);
    }

    [Fact]
    public async Task Away_PrivmsgToAwayUser_RepliesRplAway()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");
        var bob = await server.ConnectRegisteredAsync("bob");
        await alice.SendAsync("AWAY :lunch");
        await alice.SyncAsync();

        await bob.SendAsync("PRIVMSG alice :hi");

        Assert.Equal(["bob", "alice", "lunch"], (await bob.ReadAsync()).Parameters);
    }

    [Fact]
    public async Task AwayNotify_ChannelFellowsWithTheCapSeeAwayAndBack_OthersAndSelfDoNot()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice", "away-notify");
        var withCap = await server.ConnectRegisteredAsync("withcap", "away-notify");
        var without = await server.ConnectRegisteredAsync("without");
        var stranger = await server.ConnectRegisteredAsync("stranger", "away-notify");
        foreach (var c in new[] { alice, withCap, without })
        {
            await c.SendAsync("JOIN #room");
            await c.SyncAsync();
        }
        await withCap.SyncAsync();
        await without.SyncAsync();

        await alice.SendAsync("AWAY :brb");
        var self = await alice.SyncAsync();
        var awayMsg = await withCap.ExpectAsync("AWAY");
        await alice.SendAsync("AWAY");
        await alice.SyncAsync();
        var backMsg = await withCap.ExpectAsync("AWAY");

        Assert.DoesNotContain(self, m => m.Command == "AWAY");
        Assert.StartsWith("alice!~alice@", awayMsg.Source, StringComparison.Ordinal);
        Assert.Equal(["brb"], awayMsg.Parameters);
        Assert.Empty(backMsg.Parameters);
        Assert.DoesNotContain(await without.SyncAsync(), m => m.Command == "AWAY");
        Assert.DoesNotContain(await stranger.SyncAsync(), m => m.Command == "AWAY");
    }

    [Fact]
    public async Task AwayNotify_SameTextAgain_IsNotAnnouncedTwice()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");
        var bob = await server.ConnectRegisteredAsync("bob", "away-notify");
        await alice.SendAsync("JOIN #room");
        await alice.SyncAsync();
        await bob.SendAsync("JOIN #room");
        await bob.SyncAsync();

        await alice.SendAsync("AWAY :brb");
        await alice.SendAsync("AWAY :brb");
        await alice.SendAsync("AWAY :really");
        await alice.SyncAsync();

        var aways = (await bob.SyncAsync()).Where(m => m.Command == "AWAY").Select(m => m.Parameters[0]);
        Assert.Equal(["brb", "really"], aways);
    }

    [Theory]
    [InlineData("extended-monitor away-notify", true)]
    [InlineData("extended-monitor", false)]
    [InlineData("away-notify", false)]
    public async Task ExtendedMonitor_WatcherWithBothCaps_SeesAwayOfMonitoredUser(string watcherCaps, bool expected)
    {
        await using var server = new TestServer();
        var watcher = await server.ConnectRegisteredAsync("watcher", watcherCaps.Split(' '));
        var bob = await server.ConnectRegisteredAsync("bob");
        await watcher.SendAsync("MONITOR + bob");
        await watcher.SyncAsync();

        await bob.SendAsync("AWAY :afk");
        await bob.SyncAsync();

        var aways = (await watcher.SyncAsync()).Where(m => m.Command == "AWAY").ToList();
        Assert.Equal(expected ? 1 : 0, aways.Count);
    }

    [Fact]
    public async Task ExtendedMonitor_WatcherSharingAChannel_GetsAwayOnce()
    {
        await using var server = new TestServer();
        var watcher = await server.ConnectRegisteredAsync("watcher", "extended-monitor", "away-notify");
        var bob = await server.ConnectRegisteredAsync("bob");
        await watcher.SendAsync("MONITOR + bob");
        await watcher.SendAsync("JOIN #room");
        await watcher.SyncAsync();
        await bob.SendAsync("JOIN #room");
        await bob.SyncAsync();

        await bob.SendAsync("AWAY :afk");
        await bob.SyncAsync();

        Assert.Single(await watcher.SyncAsync(), m => m.Command == "AWAY");
    }

    [Theory]
    [InlineData("short", "short")]
    [InlineData("exactly10!", "exactly10!")]
    [InlineData("this is far too long", "this is fa")]
    [InlineData("ééééééé", "ééééé")]
    public async Task Away_LongText_IsCutToAwaylenBytes(string text, string expected)
    {
        await using var server = new TestServer(new ServerOptions { Limits = new LimitOptions { AwayLength = 10 } });
        var alice = await server.ConnectRegisteredAsync("alice");

        await alice.SendAsync("AWAY :" + text);
        await alice.SyncAsync();

        Assert.Equal(expected, alice.Session.User.AwayMessage);
    }
}
