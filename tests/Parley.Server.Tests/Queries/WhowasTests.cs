using Parley.Protocol;
using Parley.Server.Tests.Infrastructure;

namespace Parley.Server.Tests.Queries;

public sealed class WhowasTests
{
    /// <summary>Connects <paramref name="nick"/> with <paramref name="username"/>, then quits.</summary>
    private static async Task ComeAndGoAsync(TestServer server, string nick, string username)
    {
        var c = server.Connect();
        await c.SendAsync("NICK " + nick);
        await c.SendAsync($"USER {username} 0 * :{username} real");
        await c.ExpectAsync(Numerics.ERR_NOMOTD);
        await c.SendAsync("QUIT");
        await c.ReadUntilClosedAsync();
    }

    [Fact]
    public async Task Whowas_AfterQuit_RepliesUserAndServerThenEnd()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");
        await ComeAndGoAsync(server, "bob", "bobby");

        await alice.SendAsync("WHOWAS bob");
        var all = await alice.SyncAsync();

        Assert.Equal([Numerics.RPL_WHOWASUSER, Numerics.RPL_WHOISSERVER, Numerics.RPL_ENDOFWHOWAS], all.Select(m => m.Command));
        Assert.Equal(["alice", "bob", "~bobby", "127.0.0.1", "*", "bobby real"], all[0].Parameters);
        Assert.Equal(["alice", "bob", TestServer.Name], all[1].Parameters.Take(3));
        Assert.Equal(["alice", "bob", "End of WHOWAS"], all[2].Parameters);
    }

    [Fact]
    public async Task Whowas_UnknownNick_RepliesWasNoSuchNickThenEnd()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");

        await alice.SendAsync("WHOWAS ghost");
        var all = await alice.SyncAsync();

        Assert.Equal([Numerics.ERR_WASNOSUCHNICK, Numerics.RPL_ENDOFWHOWAS], all.Select(m => m.Command));
        Assert.Equal("ghost", all[0].Parameters[1]);
    }

    [Theory]
    [InlineData("", "~third ~second ~first")]
    [InlineData(" 0", "~third ~second ~first")]
    [InlineData(" -1", "~third ~second ~first")]
    [InlineData(" 1", "~third")]
    [InlineData(" 2", "~third ~second")]
    [InlineData(" x", "~third ~second ~first")]
    public async Task Whowas_WithCount_ReturnsThatManyNewestFirst(string count, string expected)
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");
        await ComeAndGoAsync(server, "bob", "first");
        await ComeAndGoAsync(server, "bob", "second");
        await ComeAndGoAsync(server, "bob", "third");

        await alice.SendAsync("WHOWAS bob" + count);
        var all = await alice.SyncAsync();

        var users = all.Where(m => m.Command == Numerics.RPL_WHOWASUSER).Select(m => m.Parameters[2]);
        Assert.Equal(expected, string.Join(' ', users));
        Assert.Equal(Numerics.RPL_ENDOFWHOWAS, all[^1].Command);
    }

    [Fact]
    public async Task Whowas_SeveralNicks_AnswersEachWithItsOwnEnd()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");
        await ComeAndGoAsync(server, "bob", "bob");

        await alice.SendAsync("WHOWAS ghost,bob");
        var all = await alice.SyncAsync();

        Assert.Equal(
            [Numerics.ERR_WASNOSUCHNICK, Numerics.RPL_ENDOFWHOWAS, Numerics.RPL_WHOWASUSER, Numerics.RPL_WHOISSERVER, Numerics.RPL_ENDOFWHOWAS],
            all.Select(m => m.Command));
    }

    [Theory]
    [InlineData("WHOWAS", Numerics.ERR_NEEDMOREPARAMS)]
    [InlineData("WHOWAS :", Numerics.ERR_NONICKNAMEGIVEN)]
    public async Task Whowas_WithoutNick_RepliesOneError(string line, string numeric)
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");

        await alice.SendAsync(line);

        Assert.Equal([numeric], (await alice.SyncAsync()).Select(m => m.Command));
    }
}
