using Parley.Protocol;
using Parley.Server.Tests.Infrastructure;
using static Parley.Server.Tests.Channels.ChannelScenario;

namespace Parley.Server.Tests.Channels;

/// <summary>MODE on one's own nick. https://modern.ircdocs.horse/#user-mode</summary>
public sealed class UserModeTests
{
    [Fact]
    public async Task UserMode_Query_RepliesUModeIs()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");
        var reply = Assert.Single(await SendAndSyncAsync(alice, "MODE alice"));
        Assert.Equal(Numerics.RPL_UMODEIS, reply.Command);
        Assert.Equal(["alice", "+"], reply.Parameters);
    }

    [Fact]
    public async Task UserMode_Set_RepliesModeLineAndIsRemembered()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");
        var echo = Assert.Single(await SendAndSyncAsync(alice, "MODE alice +iwB"));
        Assert.Equal("MODE", echo.Command);
        Assert.StartsWith("alice!", echo.Source);
        Assert.Equal(["alice", "+iwB"], echo.Parameters);
        Assert.True(alice.Session.User.IsInvisible);
        Assert.Equal(["alice", "-w"], Assert.Single(await SendAndSyncAsync(alice, "MODE alice -w")).Parameters);
        Assert.Equal(["alice", "+Bi"], Assert.Single(await SendAndSyncAsync(alice, "MODE alice")).Parameters);
    }

    [Fact]
    public async Task UserMode_PlusO_IsIgnored()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");
        var reply = Assert.Single(await SendAndSyncAsync(alice, "MODE alice +o"));
        Assert.Equal(Numerics.RPL_UMODEIS, reply.Command);
        Assert.False(alice.Session.User.IsOperator);
    }

    [Theory]
    [InlineData("MODE bob +i", Numerics.ERR_USERSDONTMATCH)]
    [InlineData("MODE bob", Numerics.ERR_USERSDONTMATCH)]
    [InlineData("MODE nobody +i", Numerics.ERR_NOSUCHNICK)]
    [InlineData("MODE alice +Z", Numerics.ERR_UMODEUNKNOWNFLAG)]
    public async Task UserMode_Refused_RepliesItsNumeric(string line, string numeric)
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");
        await server.ConnectRegisteredAsync("bob");
        Assert.Equal(numeric, Assert.Single(await SendAndSyncAsync(alice, line)).Command);
    }
}
