using Parley.Protocol;
using Parley.Server.Network;
using Parley.Server.Tests.Infrastructure;
using Parley.Server.Tests.Operators;

namespace Parley.Server.Tests.Queries;

public sealed class WhoTests
{
    private static List<IrcMessage> Replies(List<IrcMessage> all, string numeric) => all.Where(m => m.Command == numeric).ToList();

    private static async Task<List<IrcMessage>> WhoAsync(TestClient c, string args)
    {
        await c.SendAsync("WHO " + args);
        return await c.SyncAsync();
    }

    [Fact]
    public async Task Who_Channel_ListsEveryMemberWithPrefixesThenEndOfWho()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");
        var bob = await server.ConnectRegisteredAsync("bob");
        await alice.SendAsync("JOIN #room");
        await alice.SyncAsync();
        await bob.SendAsync("JOIN #room");
        await bob.SyncAsync();

        var all = await WhoAsync(bob, "#ROOM");

        var replies = Replies(all, Numerics.RPL_WHOREPLY).OrderBy(m => m.Parameters[5], StringComparer.Ordinal).ToList();
        Assert.Equal(2, replies.Count);
        Assert.Equal(["bob", "#room", "~alice", "127.0.0.1", TestServer.Name, "alice", "H@", "0 alice real"], replies[0].Parameters);
        Assert.Equal(["bob", "#room", "~bob", "127.0.0.1", TestServer.Name, "bob", "H", "0 bob real"], replies[1].Parameters);
        Assert.Equal(Numerics.RPL_ENDOFWHO, all[^1].Command);
        Assert.Equal(["bob", "#ROOM", "End of WHO list"], all[^1].Parameters);
    }

    [Theory]
    [InlineData("alice")]
    [InlineData("ALICE")]
    [InlineData("ali*")]
    public async Task Who_Nick_ReturnsThatUserWithStarForChannel(string mask)
    {
        await using var server = new TestServer();
        await server.ConnectRegisteredAsync("alice");
        var bob = await server.ConnectRegisteredAsync("bob");

        var all = await WhoAsync(bob, mask);

        Assert.Equal(2, all.Count);
        Assert.Equal(["bob", "*", "~alice", "127.0.0.1", TestServer.Name, "alice", "H", "0 alice real"], all[0].Parameters);
        Assert.Equal(["bob", mask, "End of WHO list"], all[1].Parameters);
    }

    [Fact]
    public async Task Who_UnknownNick_RepliesOnlyEndOfWho()
    {
        await using var server = new TestServer();
        var bob = await server.ConnectRegisteredAsync("bob");

        var all = await WhoAsync(bob, "nobody");

        var end = Assert.Single(all);
        Assert.Equal(Numerics.RPL_ENDOFWHO, end.Command);
        Assert.Equal("nobody", end.Parameters[1]);
    }

    [Theory]
    [InlineData("ali*", "alice")]
    [InlineData("*lice real", "alice")]
    [InlineData("~bo?", "bob")]
    [InlineData("*!~alice@*", "alice")]
    [InlineData("bob!*", "bob")]
    [InlineData("127.0.0.*", "alice bob carol")]
    [InlineData("test.par*", "alice bob carol")]
    [InlineData("*", "alice bob carol")]
    [InlineData("0", "alice bob carol")]
    [InlineData("zz*", "")]
    public async Task Who_Mask_MatchesNickUserHostRealnameOrServer(string mask, string expected)
    {
        await using var server = new TestServer();
        await server.ConnectRegisteredAsync("alice");
        await server.ConnectRegisteredAsync("bob");
        var carol = await server.ConnectRegisteredAsync("carol");

        var all = await WhoAsync(carol, $":{mask}");

        var nicks = Replies(all, Numerics.RPL_WHOREPLY).Select(m => m.Parameters[5]).Order(StringComparer.Ordinal);
        Assert.Equal(expected, string.Join(' ', nicks));
        Assert.Equal(Numerics.RPL_ENDOFWHO, all[^1].Command);
    }

    [Theory]
    [InlineData("WHO :*lice real", "*")]
    [InlineData("WHO", "*")]
    [InlineData("WHO bOb", "bOb")]
    public async Task Who_EndOfWho_CarriesTheMaskAsSentOrStarWhenItCannotBeAParameter(string line, string expected)
    {
        await using var server = new TestServer();
        var bob = await server.ConnectRegisteredAsync("bob");

        await bob.SendAsync(line);
        var all = await bob.SyncAsync();

        Assert.Equal(["bob", expected, "End of WHO list"], all[^1].Parameters);
    }

    [Fact]
    public async Task Who_InvisibleUser_IsHiddenFromMasksButNotFromItsNickOrChannelFellowsOrOpers()
    {
        await using var server = new TestServer(Opers.Options());
        var evan = await server.ConnectRegisteredAsync("evan");
        var shiv = await server.ConnectRegisteredAsync("shiv");
        var oper = await server.ConnectRegisteredAsync("oper");
        await Opers.OperAsync(oper);
        Opers.SetModes(evan, UserModes.Invisible);

        Assert.Empty(Replies(await WhoAsync(shiv, "eva*"), Numerics.RPL_WHOREPLY));
        Assert.Single(Replies(await WhoAsync(shiv, "evan"), Numerics.RPL_WHOREPLY));
        Assert.Single(Replies(await WhoAsync(oper, "eva*"), Numerics.RPL_WHOREPLY));
        Assert.Single(Replies(await WhoAsync(evan, "eva*"), Numerics.RPL_WHOREPLY));

        await evan.SendAsync("JOIN #x");
        await evan.SyncAsync();
        Assert.Empty(Replies(await WhoAsync(shiv, "#x"), Numerics.RPL_WHOREPLY));
        await shiv.SendAsync("JOIN #x");
        await shiv.SyncAsync();
        Assert.Single(Replies(await WhoAsync(shiv, "eva*"), Numerics.RPL_WHOREPLY));
        Assert.Equal(2, Replies(await WhoAsync(shiv, "#x"), Numerics.RPL_WHOREPLY).Count);
    }

    [Fact]
    public async Task Who_SecretChannel_ListsNoOneToOutsiders()
    {
        await using var server = new TestServer(Opers.Options());
        var alice = await server.ConnectRegisteredAsync("alice");
        var eve = await server.ConnectRegisteredAsync("eve");
        var oper = await server.ConnectRegisteredAsync("oper");
        await Opers.OperAsync(oper);
        await alice.SendAsync("JOIN #hidden");
        await alice.SyncAsync();
        alice.Session.User.Channels.Single().Flags |= ChannelModeFlags.Secret;

        var outsider = await WhoAsync(eve, "#hidden");
        var byOper = await WhoAsync(oper, "#hidden");

        Assert.Equal([Numerics.RPL_ENDOFWHO], outsider.Select(m => m.Command));
        Assert.Single(Replies(byOper, Numerics.RPL_WHOREPLY));
    }

    [Fact]
    public async Task Who_Flags_ShowAwayOperAndBot()
    {
        await using var server = new TestServer(Opers.Options());
        var alice = await server.ConnectRegisteredAsync("alice");
        var bob = await server.ConnectRegisteredAsync("bob");
        await Opers.OperAsync(alice);
        await alice.SendAsync("AWAY :lunch");
        await alice.SyncAsync();
        Opers.SetModes(alice, UserModes.Bot);

        var reply = Replies(await WhoAsync(bob, "alice"), Numerics.RPL_WHOREPLY).Single();

        Assert.Equal("G*B", reply.Parameters[6]);
    }

    [Fact]
    public async Task Who_WithOFlag_ReturnsOnlyOperators()
    {
        await using var server = new TestServer(Opers.Options());
        var alice = await server.ConnectRegisteredAsync("alice");
        var bob = await server.ConnectRegisteredAsync("bob");
        await Opers.OperAsync(alice);

        var nicks = Replies(await WhoAsync(bob, "* o"), Numerics.RPL_WHOREPLY).Select(m => m.Parameters[5]);

        Assert.Equal(["alice"], nicks);
    }

    [Theory]
    [InlineData("%tcuihsnfdlaor,42")]
    [InlineData("%roaldfnshiuct,42")]
    [InlineData("%TCUIHSNFDLAOR,42")]
    public async Task Whox_AllFields_ComeInSpecOrderWhateverTheRequestOrder(string fields)
    {
        await using var server = new TestServer();
        await server.ConnectRegisteredAsync("alice");
        var bob = await server.ConnectRegisteredAsync("bob");
        server.Time.Advance(TimeSpan.FromSeconds(7));

        var all = await WhoAsync(bob, "alice " + fields);

        var reply = Assert.Single(Replies(all, Numerics.RPL_WHOSPCRPL));
        Assert.Equal(
            ["bob", "42", "*", "~alice", "255.255.255.255", "127.0.0.1", TestServer.Name, "alice", "H", "0", "7", "0", "*", "alice real"],
            reply.Parameters);
        Assert.Equal(["bob", "alice", "End of WHO list"], all[^1].Parameters);
    }

    [Theory]
    [InlineData("%tn,321", "321 alice")]
    [InlineData("%n", "alice")]
    [InlineData("%na", "alice 0")]
    [InlineData("%cf", "* H")]
    [InlineData("%t", "0")]
    [InlineData("%tn,", "0 alice")]
    public async Task Whox_SomeFields_ReturnsOnlyThose(string fields, string expected)
    {
        await using var server = new TestServer();
        await server.ConnectRegisteredAsync("alice");
        var bob = await server.ConnectRegisteredAsync("bob");

        var reply = Replies(await WhoAsync(bob, "alice " + fields), Numerics.RPL_WHOSPCRPL).Single();

        Assert.Equal(expected, string.Join(' ', reply.Parameters.Skip(1)));
    }

    [Fact]
    public async Task Whox_IpField_IsShownToTheUserThemselfAndToOpers()
    {
        await using var server = new TestServer(Opers.Options());
        var alice = await server.ConnectRegisteredAsync("alice");
        var oper = await server.ConnectRegisteredAsync("oper");
        await Opers.OperAsync(oper);

        var self = Replies(await WhoAsync(alice, "alice %i"), Numerics.RPL_WHOSPCRPL).Single();
        var byOper = Replies(await WhoAsync(oper, "alice %i"), Numerics.RPL_WHOSPCRPL).Single();

        Assert.Equal("127.0.0.1", self.Parameters[1]);
        Assert.Equal("127.0.0.1", byOper.Parameters[1]);
    }
}
