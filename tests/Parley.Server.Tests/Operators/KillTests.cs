using Parley.Protocol;
using Parley.Server.Tests.Infrastructure;

namespace Parley.Server.Tests.Operators;

public sealed class KillTests
{
    [Fact]
    public async Task Kill_ByOper_DisconnectsTargetWithErrorAndOthersSeeKilledQuit()
    {
        await using var server = new TestServer(Opers.Options());
        var oper = await server.ConnectRegisteredAsync("oper");
        var bob = await server.ConnectRegisteredAsync("bob");
        var carol = await server.ConnectRegisteredAsync("carol");
        await Opers.OperAsync(oper);
        await bob.SendAsync("JOIN #room");
        await bob.SyncAsync();
        await carol.SendAsync("JOIN #room");
        await carol.SyncAsync();

        await oper.SendAsync("KILL bob :spamming");
        var toOper = await oper.SyncAsync();
        var atBob = await bob.ReadUntilClosedAsync();
        var quit = await carol.ExpectAsync("QUIT");

        Assert.Empty(toOper);
        Assert.Equal("ERROR", atBob[^1].Command);
        Assert.Contains("Killed (oper (spamming))", atBob[^1].Parameters[0], StringComparison.Ordinal);
        Assert.StartsWith("bob!", quit.Source, StringComparison.Ordinal);
        Assert.Equal(["Killed (oper (spamming))"], quit.Parameters);
        Assert.Null(server.Context.Network.FindUser("bob"));
    }

    [Fact]
    public async Task Kill_WithoutComment_StillKills()
    {
        await using var server = new TestServer(Opers.Options());
        var oper = await server.ConnectRegisteredAsync("oper");
        var bob = await server.ConnectRegisteredAsync("bob");
        await Opers.OperAsync(oper);

        await oper.SendAsync("KILL bob");

        Assert.Contains("Killed (oper)", (await bob.ReadUntilClosedAsync())[^1].Parameters[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kill_Self_RepliesThenDisconnects()
    {
        await using var server = new TestServer(Opers.Options());
        var oper = await server.ConnectRegisteredAsync("oper");
        await Opers.OperAsync(oper);

        await oper.SendAsync("KILL oper :bye");

        Assert.Equal("ERROR", (await oper.ReadUntilClosedAsync())[^1].Command);
    }

    [Theory]
    [InlineData("KILL bob :no", Numerics.ERR_NOPRIVILEGES)]
    [InlineData("KILL alice :no", Numerics.ERR_NOPRIVILEGES)]
    public async Task Kill_ByNonOper_RepliesNoPrivilegesAndKillsNobody(string line, string numeric)
    {
        await using var server = new TestServer(Opers.Options());
        var alice = await server.ConnectRegisteredAsync("alice");
        await server.ConnectRegisteredAsync("bob");

        await alice.SendAsync(line);

        Assert.Equal([numeric], (await alice.SyncAsync()).Select(m => m.Command));
        Assert.NotNull(server.Context.Network.FindUser("bob"));
    }

    [Theory]
    [InlineData("KILL ghost :x", Numerics.ERR_NOSUCHNICK)]
    [InlineData("KILL TEST.PARLEY :x", Numerics.ERR_CANTKILLSERVER)]
    [InlineData("KILL", Numerics.ERR_NEEDMOREPARAMS)]
    public async Task Kill_BadTarget_RepliesAnError(string line, string numeric)
    {
        await using var server = new TestServer(Opers.Options());
        var oper = await server.ConnectRegisteredAsync("oper");
        await Opers.OperAsync(oper);

        await oper.SendAsync(line);

        Assert.Equal([numeric], (await oper.SyncAsync()).Select(m => m.Command));
    }
}
