using Parley.Protocol;
using Parley.Server.Network;
using Parley.Server.Tests.Infrastructure;

namespace Parley.Server.Tests.Queries;

public sealed class MonitorTests
{
    private static async Task<List<IrcMessage>> MonitorAsync(TestClient c, string args)
    {
        await c.SendAsync("MONITOR " + args);
        return await c.SyncAsync();
    }

    [Fact]
    public async Task MonitorAdd_RepliesOnlineWithMaskAndOfflineByNick()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");
        await server.ConnectRegisteredAsync("bob");

        var all = await MonitorAsync(alice, "+ BOB,ghost,ghost2");

        Assert.Equal([Numerics.RPL_MONONLINE, Numerics.RPL_MONOFFLINE], all.Select(m => m.Command));
        Assert.Equal(["alice", "bob!~bob@127.0.0.1"], all[0].Parameters);
        Assert.Equal(["alice", "ghost,ghost2"], all[1].Parameters);
    }

    [Fact]
    public async Task MonitoredNick_ComingAndGoing_IsAnnounced()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");
        await MonitorAsync(alice, "+ bob");

        var bob = await server.ConnectRegisteredAsync("bob");
        var online = await alice.ReadAsync();
        await bob.SendAsync("QUIT");
        await bob.ReadUntilClosedAsync();
        var offline = await alice.ReadAsync();

        Assert.Equal([Numerics.RPL_MONONLINE, "alice", "bob!~bob@127.0.0.1"], [online.Command, .. online.Parameters]);
        Assert.Equal([Numerics.RPL_MONOFFLINE, "alice", "bob"], [offline.Command, .. offline.Parameters]);
    }

    [Fact]
    public async Task MonitorRemove_RepliesNothingAndStopsNotifications()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");
        await MonitorAsync(alice, "+ bob,carol");

        var removed = await MonitorAsync(alice, "- BOB");
        await server.ConnectRegisteredAsync("bob");
        await server.ConnectRegisteredAsync("carol");

        Assert.Empty(removed);
        var online = await alice.ReadAsync();
        Assert.Equal("carol!~carol@127.0.0.1", online.Parameters[1]);
        Assert.Empty(await alice.SyncAsync());
    }

    [Fact]
    public async Task MonitorList_ListsTargetsThenEnd_AndClearEmptiesIt()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");
        await server.ConnectRegisteredAsync("Bob");
        await MonitorAsync(alice, "+ bob,ghost");

        var list = await MonitorAsync(alice, "L");
        var cleared = await MonitorAsync(alice, "C");
        var empty = await MonitorAsync(alice, "l");

        Assert.Equal([Numerics.RPL_MONLIST, Numerics.RPL_ENDOFMONLIST], list.Select(m => m.Command));
        Assert.Equal(["Bob", "ghost"], list[0].Parameters[1].Split(',').Order(StringComparer.Ordinal));
        Assert.Empty(cleared);
        Assert.Equal([Numerics.RPL_ENDOFMONLIST], empty.Select(m => m.Command));
    }

    [Fact]
    public async Task MonitorStatus_RepliesOnlineAndOfflineTargets()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");
        await server.ConnectRegisteredAsync("bob");
        await MonitorAsync(alice, "+ bob,ghost");

        var all = await MonitorAsync(alice, "S");

        Assert.Equal([Numerics.RPL_MONONLINE, Numerics.RPL_MONOFFLINE], all.Select(m => m.Command));
        Assert.Equal("ghost", all[1].Parameters[1]);
    }

    [Fact]
    public async Task MonitorAdd_BeyondTheLimit_RepliesMonListFullWithTheRejected()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");
        var nicks = Enumerable.Range(0, IrcNetwork.MaxMonitorTargets).Select(i => "n" + i).ToList();
        foreach (var chunk in nicks.Chunk(50))
        {
            await MonitorAsync(alice, "+ " + string.Join(',', chunk));
        }

        var all = await MonitorAsync(alice, "+ n0,extra1,extra2");

        var full = all.Single(m => m.Command == Numerics.ERR_MONLISTFULL);
        Assert.Equal(["alice", "100", "extra1,extra2", "Monitor list is full."], full.Parameters);
        Assert.Equal("n0", all.Single(m => m.Command == Numerics.RPL_MONOFFLINE).Parameters[1]);
    }

    [Fact]
    public async Task MonitorAdd_MasksAreNotMonitored()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");

        var added = await MonitorAsync(alice, "+ *!~bob@127.0.0.1,b*");
        await server.ConnectRegisteredAsync("bob");

        Assert.Empty(added);
        Assert.Empty(await alice.SyncAsync());
    }

    [Theory]
    [InlineData("MONITOR", Numerics.ERR_NEEDMOREPARAMS)]
    [InlineData("MONITOR +", Numerics.ERR_NEEDMOREPARAMS)]
    [InlineData("MONITOR -", Numerics.ERR_NEEDMOREPARAMS)]
    [InlineData("MONITOR X", Numerics.ERR_UNKNOWNERROR)]
    public async Task Monitor_BadSubcommand_RepliesAnError(string line, string numeric)
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");

        await alice.SendAsync(line);

        Assert.Equal([numeric], (await alice.SyncAsync()).Select(m => m.Command));
    }

    [Fact]
    public async Task MonitoredNick_ChangingOnlyCase_IsNotAnnounced()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");
        var bob = await server.ConnectRegisteredAsync("bob");
        await MonitorAsync(alice, "+ bob");

        await bob.SendAsync("NICK BOB");
        await bob.SyncAsync();
        var afterCase = await alice.SyncAsync();
        await bob.SendAsync("NICK robert");
        await bob.SyncAsync();
        var afterRename = await alice.SyncAsync();

        Assert.Empty(afterCase);
        Assert.Equal([Numerics.RPL_MONOFFLINE, "alice", "BOB"], [afterRename[0].Command, .. afterRename[0].Parameters]);
    }
}
