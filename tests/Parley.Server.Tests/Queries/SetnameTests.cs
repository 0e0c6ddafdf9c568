using Parley.Server.Tests.Infrastructure;

namespace Parley.Server.Tests.Queries;

public sealed class SetnameTests
{
    [Fact]
    public async Task Setname_WithCap_EchoesToSelfAndChangesTheRealname()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice", "setname");

        await alice.SendAsync("SETNAME :Alice Liddell");
        var echo = await alice.ReadAsync();

        Assert.Equal("SETNAME", echo.Command);
        Assert.StartsWith("alice!", echo.Source, StringComparison.Ordinal);
        Assert.Equal(["Alice Liddell"], echo.Parameters);
        Assert.Equal("Alice Liddell", alice.Session.User.Realname);
    }

    [Fact]
    public async Task Setname_WithoutCap_ChangesTheNameSilently()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");

        await alice.SendAsync("SETNAME :New Name");

        Assert.Empty(await alice.SyncAsync());
        Assert.Equal("New Name", alice.Session.User.Realname);
    }

    [Fact]
    public async Task Setname_ChannelFellowsWithTheCapSeeIt_OthersDoNot()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice", "setname");
        var bob = await server.ConnectRegisteredAsync("bob", "setname");
        var carol = await server.ConnectRegisteredAsync("carol");
        var stranger = await server.ConnectRegisteredAsync("stranger", "setname");
        foreach (var c in new[] { alice, bob, carol })
        {
            await c.SendAsync("JOIN #room");
            await c.SyncAsync();
        }
        await bob.SyncAsync();
        await carol.SyncAsync();

        await alice.SendAsync("SETNAME :qux");
        await alice.SyncAsync();

        var atBob = await bob.ExpectAsync("SETNAME");
        Assert.Equal(["qux"], atBob.Parameters);
        Assert.DoesNotContain(await carol.SyncAsync(), m => m.Command == "SETNAME");
        Assert.DoesNotContain(await stranger.SyncAsync(), m => m.Command == "SETNAME");
    }

    [Fact]
    public async Task Setname_SplitIntoWords_IsJoinedBack()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice", "setname");

        await alice.SendAsync("SETNAME Jane Doe");

        Assert.Equal(["Jane Doe"], (await alice.ReadAsync()).Parameters);
    }

    [Theory]
    [InlineData("SETNAME")]
    [InlineData("SETNAME :")]
    public async Task Setname_Empty_FailsInvalidRealname(string line)
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice", "setname");

        await alice.SendAsync(line);
        var fail = await alice.ReadAsync();

        Assert.Equal("FAIL", fail.Command);
        Assert.Equal(["SETNAME", "INVALID_REALNAME"], fail.Parameters.Take(2));
        Assert.Equal("alice real", alice.Session.User.Realname);
    }

    [Fact]
    public async Task Setname_TooLong_FailsInvalidRealname()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice", "setname");

        await alice.SendAsync("SETNAME :" + new string('x', 151));
        var fail = await alice.ReadAsync();

        Assert.Equal(["SETNAME", "INVALID_REALNAME"], fail.Parameters.Take(2));
    }

    [Theory]
    [InlineData("extended-monitor setname", true)]
    [InlineData("extended-monitor", false)]
    [InlineData("setname", false)]
    public async Task ExtendedMonitor_WatcherWithBothCaps_SeesSetnameOfMonitoredUser(string watcherCaps, bool expected)
    {
        await using var server = new TestServer();
        var watcher = await server.ConnectRegisteredAsync("watcher", watcherCaps.Split(' '));
        var bob = await server.ConnectRegisteredAsync("bob");
        await watcher.SendAsync("MONITOR + bob");
        await watcher.SyncAsync();

        await bob.SendAsync("SETNAME :new name");
        await bob.SyncAsync();

        var setnames = (await watcher.SyncAsync()).Where(m => m.Command == "SETNAME").ToList();
        Assert.Equal(expected ? 1 : 0, setnames.Count);
    }
}
