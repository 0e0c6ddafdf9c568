using Parley.Protocol;
using Parley.Server.Tests.Infrastructure;
using Parley.Server.Tests.Operators;

namespace Parley.Server.Tests.Queries;

public sealed class IsonUserhostTests
{
    [Theory]
    [InlineData("ISON alice ghost BOB", "alice bob")]
    [InlineData("ISON :alice ghost BOB", "alice bob")]
    [InlineData("ISON ghost", "")]
    public async Task Ison_RepliesTheOnlineNicksInTheirOwnSpelling(string line, string expected)
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");
        await server.ConnectRegisteredAsync("bob");

        await alice.SendAsync(line);
        var reply = Assert.Single(await alice.SyncAsync());

        Assert.Equal(Numerics.RPL_ISON, reply.Command);
        Assert.Equal(["alice", expected], reply.Parameters);
    }

    [Fact]
    public async Task Ison_WithoutNicks_RepliesNeedMoreParams()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");

        await alice.SendAsync("ISON");

        Assert.Equal(Numerics.ERR_NEEDMOREPARAMS, (await alice.ReadAsync()).Command);
    }

    [Fact]
    public async Task Userhost_ShowsOperAndAwayState()
    {
        await using var server = new TestServer(Opers.Options());
        var alice = await server.ConnectRegisteredAsync("alice");
        var bob = await server.ConnectRegisteredAsync("bob");
        await Opers.OperAsync(alice);
        await bob.SendAsync("AWAY :out");
        await bob.SyncAsync();

        await alice.SendAsync("USERHOST alice ghost BOB");
        var reply = Assert.Single(await alice.SyncAsync());

        Assert.Equal(Numerics.RPL_USERHOST, reply.Command);
        Assert.Equal(["alice", "alice*=+~alice@127.0.0.1 bob=-~bob@127.0.0.1"], reply.Parameters);
    }

    [Fact]
    public async Task Userhost_AnswersAtMostFiveNicksEachOnce()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");
        foreach (var n in new[] { "u1", "u2", "u3", "u4", "u5", "u6" })
        {
            await server.ConnectRegisteredAsync(n);
        }

        await alice.SendAsync("USERHOST u1 U1 u2 u3 u4 u5 u6");
        var reply = Assert.Single(await alice.SyncAsync());

        Assert.Equal(["u1", "u2", "u3", "u4"], reply.Parameters[1].Split(' ').Select(e => e.Split('=')[0]));
    }
}
