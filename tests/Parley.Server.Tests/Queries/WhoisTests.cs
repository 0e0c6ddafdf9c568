using Parley.Protocol;
using Parley.Server.Network;
using Parley.Server.Tests.Infrastructure;
using Parley.Server.Tests.Operators;

namespace Parley.Server.Tests.Queries;

public sealed class WhoisTests
{
    private static async Task<List<IrcMessage>> WhoisAsync(TestClient c, string args)
    {
        await c.SendAsync("WHOIS " + args);
        return await c.SyncAsync();
    }

    private static IrcMessage? Find(List<IrcMessage> all, string numeric) => all.SingleOrDefault(m => m.Command == numeric);

    [Theory]
    [InlineData("alice")]
    [InlineData("ALICE")]
    [InlineData("test.parley alice")]
    [InlineData("alice alice")]
    public async Task Whois_User_SendsUserChannelsServerIdleThenEnd(string args)
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");
        var bob = await server.ConnectRegisteredAsync("bob");
        await alice.SendAsync("JOIN #a,#b");
        await alice.SyncAsync();

        var all = await WhoisAsync(bob, args);

        Assert.Equal(
            [Numerics.RPL_WHOISUSER, Numerics.RPL_WHOISCHANNELS, Numerics.RPL_WHOISSERVER, Numerics.RPL_WHOISIDLE, Numerics.RPL_ENDOFWHOIS],
            all.Select(m => m.Command));
        Assert.Equal(["bob", "alice", "~alice", "127.0.0.1", "*", "alice real"], all[0].Parameters);
        Assert.Equal(["#a", "#b"], all[1].Parameters[2].Split(' ').Order(StringComparer.Ordinal).Select(c => c.TrimStart('@')));
        Assert.StartsWith("@", all[1].Parameters[2], StringComparison.Ordinal);
        Assert.Equal(["bob", "alice", TestServer.Name, "Parley IRC server"], all[2].Parameters);
        Assert.Equal(args.Split(' ')[^1], all[^1].Parameters[1]);
    }

    [Fact]
    public async Task Whois_UnknownNick_RepliesNoSuchNickThenEnd()
    {
        await using var server = new TestServer();
        var bob = await server.ConnectRegisteredAsync("bob");

        var all = await WhoisAsync(bob, "ghost");

        Assert.Equal([Numerics.ERR_NOSUCHNICK, Numerics.RPL_ENDOFWHOIS], all.Select(m => m.Command));
        Assert.Equal(["bob", "ghost", "End of /WHOIS list"], all[1].Parameters);
    }

    [Theory]
    [InlineData("WHOIS")]
    [InlineData("WHOIS :")]
    public async Task Whois_WithoutNick_RepliesNoNicknameGiven(string line)
    {
        await using var server = new TestServer();
        var bob = await server.ConnectRegisteredAsync("bob");

        await bob.SendAsync(line);

        Assert.Equal([Numerics.ERR_NONICKNAMEGIVEN], (await bob.SyncAsync()).Select(m => m.Command));
    }

    [Fact]
    public async Task Whois_Idle_CountsSecondsSinceTheLastMessageAndGivesSignonTime()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");
        var bob = await server.ConnectRegisteredAsync("bob");
        var signon = server.Time.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        server.Time.Advance(TimeSpan.FromSeconds(100));
        await alice.SendAsync("PRIVMSG bob :hi");
        await alice.SyncAsync();
        server.Time.Advance(TimeSpan.FromSeconds(42));

        var idle = Find(await WhoisAsync(bob, "alice"), Numerics.RPL_WHOISIDLE)!;

        Assert.Equal(["bob", "alice", "42", signon, "seconds idle, signon time"], idle.Parameters);
    }

    [Fact]
    public async Task Whois_AwayOperAndBot_AddTheirNumerics()
    {
        await using var server = new TestServer(Opers.Options());
        var alice = await server.ConnectRegisteredAsync("alice");
        var bob = await server.ConnectRegisteredAsync("bob");
        await Opers.OperAsync(alice);
        await alice.SendAsync("AWAY :gone fishing");
        await alice.SyncAsync();
        Opers.SetModes(alice, UserModes.Bot);

        var all = await WhoisAsync(bob, "alice");

        Assert.Equal(["bob", "alice", "gone fishing"], Find(all, Numerics.RPL_AWAY)!.Parameters);
        Assert.NotNull(Find(all, Numerics.RPL_WHOISOPERATOR));
        Assert.Equal(["bob", "alice", "is a Bot on Parley"], Find(all, "335")!.Parameters);
        Assert.Null(Find(all, Numerics.RPL_WHOISACCOUNT));
    }

    [Fact]
    public async Task Whois_ActualHost_IsShownToSelfAndOpersOnly()
    {
        await using var server = new TestServer(Opers.Options());
        var alice = await server.ConnectRegisteredAsync("alice");
        var bob = await server.ConnectRegisteredAsync("bob");
        var oper = await server.ConnectRegisteredAsync("oper");
        await Opers.OperAsync(oper);

        var bySelf = Find(await WhoisAsync(alice, "alice"), Numerics.RPL_WHOISACTUALLY);
        var byOper = Find(await WhoisAsync(oper, "alice"), Numerics.RPL_WHOISACTUALLY);
        var byOther = Find(await WhoisAsync(bob, "alice"), Numerics.RPL_WHOISACTUALLY);

        Assert.Equal(["alice", "alice", "~alice@127.0.0.1", "127.0.0.1", "Actual user@host, Actual IP"], bySelf!.Parameters);
        Assert.NotNull(byOper);
        Assert.Null(byOther);
    }

    [Fact]
    public async Task Whois_SecretChannel_IsHiddenFromThoseNotOnIt()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");
        var bob = await server.ConnectRegisteredAsync("bob");
        await alice.SendAsync("JOIN #open,#hidden");
        await alice.SyncAsync();
        alice.Session.User.Channels.Single(c => c.Name == "#hidden").Flags |= ChannelModeFlags.Secret;

        var outside = Find(await WhoisAsync(bob, "alice"), Numerics.RPL_WHOISCHANNELS)!;
        await bob.SendAsync("JOIN #hidden");
        await bob.SyncAsync();
        var inside = Find(await WhoisAsync(bob, "alice"), Numerics.RPL_WHOISCHANNELS)!;

        Assert.Equal("@#open", outside.Parameters[2]);
        Assert.Equal(["@#hidden", "@#open"], inside.Parameters[2].Split(' ').Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Whois_InvisibleUser_ShowsOnlyTheChannelsTheyShare()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");
        var bob = await server.ConnectRegisteredAsync("bob");
        await alice.SendAsync("JOIN #one,#two");
        await alice.SyncAsync();
        Opers.SetModes(alice, UserModes.Invisible);

        var none = Find(await WhoisAsync(bob, "alice"), Numerics.RPL_WHOISCHANNELS);
        await bob.SendAsync("JOIN #two");
        await bob.SyncAsync();
        var shared = Find(await WhoisAsync(bob, "alice"), Numerics.RPL_WHOISCHANNELS);

        Assert.Null(none);
        Assert.Equal("@#two", shared!.Parameters[2]);
    }

    [Fact]
    public async Task Whois_ManyChannels_AreSplitOverLinesWithin512Bytes()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");
        var bob = await server.ConnectRegisteredAsync("bob");
        var names = Enumerable.Range(0, 40).Select(i => "#channel-with-a-rather-long-name-" + i).ToList();
        foreach (var batch in names.Chunk(8))
        {
            await alice.SendAsync("JOIN " + string.Join(',', batch));
        }
        await alice.SyncAsync();

        var lines = (await WhoisAsync(bob, "alice")).Where(m => m.Command == Numerics.RPL_WHOISCHANNELS).ToList();

        Assert.True(lines.Count > 1);
        Assert.All(lines, l => Assert.True(System.Text.Encoding.UTF8.GetByteCount(l.ToString()) <= IrcLimits.MaxLineBodyBytes));
        Assert.Equal(names.Order(StringComparer.Ordinal), lines.SelectMany(l => l.Parameters[2].Split(' ')).Select(c => c.TrimStart('@')).Order(StringComparer.Ordinal));
    }
}
