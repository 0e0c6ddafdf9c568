using Parley.Protocol;
using Parley.Server.Hosting;
using Parley.Server.Tests.Infrastructure;
using static Parley.Server.Tests.Channels.ChannelScenario;

namespace Parley.Server.Tests.Channels;

/// <summary>KICK. https://modern.ircdocs.horse/#kick-message</summary>
public sealed class KickTests
{
    [Fact]
    public async Task Kick_ByOp_IsSeenByAllAndRemovesTheMember()
    {
        await using var server = new TestServer();
        var (op, bob) = await OpAndMemberAsync(server);
        var echo = Assert.Single(await SendAndSyncAsync(op, "KICK #chan bob :bye now"));
        Assert.Equal("KICK", echo.Command);
        Assert.StartsWith("op!", echo.Source);
        Assert.Equal(["#chan", "bob", "bye now"], echo.Parameters);
        Assert.Equal(echo.Parameters, Assert.Single(await bob.SyncAsync()).Parameters);
        var names = Assert.Single(await SendAndSyncAsync(op, "NAMES #chan"), m => m.Command == Numerics.RPL_NAMREPLY);
        Assert.Equal("@op", names.Parameters[^1]);
        Assert.Equal(Numerics.ERR_CANNOTSENDTOCHAN, Assert.Single(await SendAndSyncAsync(bob, "PRIVMSG #chan :still here?")).Command);
    }

    [Fact]
    public async Task Kick_WithoutComment_UsesTheKickersNick()
    {
        await using var server = new TestServer();
        var (op, bob) = await OpAndMemberAsync(server);
        await SendAndSyncAsync(op, "KICK #chan bob");
        Assert.Equal(["#chan", "bob", "op"], Assert.Single(await bob.SyncAsync()).Parameters);
    }

    [Fact]
    public async Task Kick_ByNonOp_RepliesChanOpPrivsNeeded()
    {
        await using var server = new TestServer();
        var (op, bob) = await OpAndMemberAsync(server);
        var reply = Assert.Single(await SendAndSyncAsync(bob, "KICK #chan op"));
        Assert.Equal(Numerics.ERR_CHANOPRIVSNEEDED, reply.Command);
        Assert.Empty(await op.SyncAsync());
    }

    [Theory]
    [InlineData("eve", "KICK #chan bob", Numerics.ERR_NOTONCHANNEL)]
    [InlineData("eve", "KICK #nowhere bob", Numerics.ERR_NOSUCHCHANNEL)]
    [InlineData("op", "KICK #chan eve", Numerics.ERR_USERNOTINCHANNEL)]
    [InlineData("op", "KICK #chan nobody", Numerics.ERR_NOSUCHNICK)]
    [InlineData("op", "KICK #chan", Numerics.ERR_NEEDMOREPARAMS)]
    [InlineData("op", "KICK #chan,#chan,#chan bob,eve", Numerics.ERR_NEEDMOREPARAMS)]
    public async Task Kick_Refused_RepliesItsNumeric(string who, string line, string numeric)
    {
        await using var server = new TestServer();
        var (op, _) = await OpAndMemberAsync(server);
        var eve = await server.ConnectRegisteredAsync("eve");
        var replies = await SendAndSyncAsync(who == "op" ? op : eve, line);
        Assert.Equal(numeric, Assert.Single(replies).Command);
    }

    [Fact]
    public async Task Kick_UserNotInChannel_NamesTheNickAndChannel()
    {
        await using var server = new TestServer();
        var (op, _) = await OpAndMemberAsync(server);
        await server.ConnectRegisteredAsync("eve");
        Assert.Equal(["op", "eve", "#chan"], Assert.Single(await SendAndSyncAsync(op, "KICK #chan eve")).Parameters.Take(3));
    }

    [Theory]
    [InlineData("KICK #chan bob,carol :out")]
    [InlineData("KICK #chan,#chan bob,carol :out")]
    public async Task Kick_SeveralUsers_SendsOneKickPerUser(string line)
    {
        await using var server = new TestServer();
        var (op, bob) = await OpAndMemberAsync(server);
        var carol = await server.ConnectRegisteredAsync("carol");
        await JoinAsync(carol, "#chan");
        await op.SyncAsync();
        await bob.SyncAsync();
        var kicks = await SendAndSyncAsync(op, line);
        Assert.Equal([["#chan", "bob", "out"], ["#chan", "carol", "out"]], kicks.Select(k => k.Parameters.ToArray()));
    }

    [Fact]
    public async Task Kick_LongComment_IsCutToKickLen()
    {
        await using var server = new TestServer(new ServerOptions { Limits = new LimitOptions { KickLength = 5 } });
        var (op, _) = await OpAndMemberAsync(server);
        Assert.Equal("abcde", Assert.Single(await SendAndSyncAsync(op, "KICK #chan bob :abcdefgh")).Parameters[2]);
    }
}
