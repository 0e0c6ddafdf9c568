using Parley.Protocol;
using Parley.Server.Network;
using Parley.Server.Tests.Infrastructure;

namespace Parley.Server.Tests.Operators;

public sealed class WallopsTests
{
    [Fact]
    public async Task Wallops_ByOper_ReachesUsersWithPlusWOnly()
    {
        await using var server = new TestServer(Opers.Options());
        var oper = await server.ConnectRegisteredAsync("oper");
        var listener = await server.ConnectRegisteredAsync("listener");
        var other = await server.ConnectRegisteredAsync("other");
        await Opers.OperAsync(oper);
        Opers.SetModes(listener, UserModes.Wallops);

        await oper.SendAsync("WALLOPS :hi everyone");
        var toOper = await oper.SyncAsync();
        var atListener = await listener.ReadAsync();

        Assert.Empty(toOper);
        Assert.Equal("WALLOPS", atListener.Command);
        Assert.StartsWith("oper!~oper@", atListener.Source, StringComparison.Ordinal);
        Assert.Equal(["hi everyone"], atListener.Parameters);
        Assert.Empty(await other.SyncAsync());
    }

    [Fact]
    public async Task Wallops_SenderWithPlusW_GetsItToo()
    {
        await using var server = new TestServer(Opers.Options());
        var oper = await server.ConnectRegisteredAsync("oper");
        await Opers.OperAsync(oper);
        Opers.SetModes(oper, UserModes.Wallops);

        await oper.SendAsync("WALLOPS :note");

        Assert.Equal("WALLOPS", (await oper.ReadAsync()).Command);
    }

    [Theory]
    [InlineData("WALLOPS :hi", Numerics.ERR_NOPRIVILEGES)]
    [InlineData("WALLOPS", Numerics.ERR_NEEDMOREPARAMS)]
    public async Task Wallops_ByNonOper_RepliesAnError(string line, string numeric)
    {
        await using var server = new TestServer(Opers.Options());
        var alice = await server.ConnectRegisteredAsync("alice");
        var listener = await server.ConnectRegisteredAsync("listener");
        Opers.SetModes(listener, UserModes.Wallops);

        await alice.SendAsync(line);

        Assert.Equal([numeric], (await alice.SyncAsync()).Select(m => m.Command));
        Assert.Empty(await listener.SyncAsync());
    }
}
