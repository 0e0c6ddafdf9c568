using Parley.Protocol;
using Parley.Server.Tests.Infrastructure;

namespace Parley.Server.Tests.Commands;

public sealed class NamesAndUnknownTests
{
    [Fact]
    public async Task Names_SeveralChannels_ListsEachThenOneEndNamingTheList()
    {
        await using var server = new TestServer();
        var c = await server.ConnectRegisteredAsync("nick1");
        await c.SendAsync("JOIN #chan1");
        await c.SendAsync("JOIN #chan2");
        await c.SyncAsync();
        await c.SendAsync("NAMES #chan1,#nope,#chan2");
        var replies = await c.SyncAsync();
        Assert.Equal([Numerics.RPL_NAMREPLY, Numerics.RPL_NAMREPLY, Numerics.RPL_ENDOFNAMES], replies.Select(m => m.Command));
        Assert.Equal("#chan1", replies[0].Parameters[2]);
        Assert.Equal("#chan2", replies[1].Parameters[2]);
        Assert.Equal("#chan1,#nope,#chan2", replies[2].Parameters[1]);
    }

    [Theory]
    [InlineData("#nope")]
    [InlineData("invalid")]
    public async Task Names_UnknownOrInvalidChannel_RepliesOnlyEndOfNames(string name)
    {
        await using var server = new TestServer();
        var c = await server.ConnectRegisteredAsync("nick1");
        await c.SendAsync("NAMES " + name);
        var reply = Assert.Single(await c.SyncAsync());
        Assert.Equal(Numerics.RPL_ENDOFNAMES, reply.Command);
        Assert.Equal(name, reply.Parameters[1]);
    }

    [Theory]
    [InlineData("NONEXISTENT_COMMAND", "NONEXISTENT_COMMAND")]
    [InlineData("frobnicate x y", "FROBNICATE")]
    public async Task UnknownCommand_RepliesUnknownCommand_Labeled(string line, string verb)
    {
        await using var server = new TestServer();
        var c = await server.ConnectRegisteredAsync("bar", "batch", "labeled-response");
        await c.SendAsync("@label=deadbeef " + line);
        var reply = Assert.Single(await c.SyncAsync());
        Assert.Equal(Numerics.ERR_UNKNOWNCOMMAND, reply.Command);
        Assert.Equal(verb, reply.Parameters[1]);
        Assert.Equal("deadbeef", reply.GetTag("label"));
    }
}
