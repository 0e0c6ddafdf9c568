using Parley.Protocol;
using Parley.Server.Hosting;
using Parley.Server.Tests.Infrastructure;
using static Parley.Server.Tests.Channels.ChannelScenario;

namespace Parley.Server.Tests.Channels;

/// <summary>MODE on channels over the wire. https://modern.ircdocs.horse/#mode-message</summary>
public sealed class ModeCommandTests
{
    [Fact]
    public async Task Mode_Query_RepliesChannelModeIsAndCreationTime()
    {
        await using var server = new TestServer();
        var (op, _) = await OpAndMemberAsync(server);
        var replies = await SendAndSyncAsync(op, "MODE #chan");
        Assert.Equal([Numerics.RPL_CHANNELMODEIS, Numerics.RPL_CREATIONTIME], replies.Select(m => m.Command));
        Assert.Equal(["op", "#chan", "+nt"], replies[0].Parameters);
        Assert.Equal(server.Time.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), replies[1].Parameters[2]);
    }

    [Fact]
    public async Task Mode_QueryByNonMember_HidesKeyAndLimitValues()
    {
        await using var server = new TestServer();
        var (op, _) = await OpAndMemberAsync(server);
        var eve = await server.ConnectRegisteredAsync("eve");
        await SendAndSyncAsync(op, "MODE #chan +kl secret 5");
        var member = await SendAndSyncAsync(op, "MODE #chan");
        Assert.Equal(["op", "#chan", "+klnt", "secret", "5"], member[0].Parameters);
        var outsider = await SendAndSyncAsync(eve, "MODE #chan");
        Assert.Equal(["eve", "#chan", "+klnt"], outsider[0].Parameters);
    }

    [Fact]
    public async Task Mode_SetFlags_BroadcastsOneModeLineToEveryMember()
    {
        await using var server = new TestServer();
        var (op, bob) = await OpAndMemberAsync(server);
        var echo = Assert.Single(await SendAndSyncAsync(op, "MODE #chan +im-t"));
        Assert.Equal("MODE", echo.Command);
        Assert.StartsWith("op!", echo.Source);
        Assert.Equal(["#chan", "+im-t"], echo.Parameters);
        var seen = Assert.Single(await bob.SyncAsync());
        Assert.Equal(echo.Parameters, seen.Parameters);
    }

    [Fact]
    public async Task Mode_NothingChanges_BroadcastsNothingAndShowsModes()
    {
        await using var server = new TestServer();
        var (op, bob) = await OpAndMemberAsync(server);
        var replies = await SendAndSyncAsync(op, "MODE #chan +nt");
        Assert.Equal([Numerics.RPL_CHANNELMODEIS, Numerics.RPL_CREATIONTIME], replies.Select(m => m.Command));
        Assert.Empty(await bob.SyncAsync());
    }

    [Fact]
    public async Task Mode_ByNonOp_RepliesChanOpPrivsNeeded()
    {
        await using var server = new TestServer();
        var (_, bob) = await OpAndMemberAsync(server);
        var reply = Assert.Single(await SendAndSyncAsync(bob, "MODE #chan +im"));
        Assert.Equal(Numerics.ERR_CHANOPRIVSNEEDED, reply.Command);
        Assert.Equal("#chan", reply.Parameters[1]);
    }

    [Fact]
    public async Task Mode_NonexistentChannel_RepliesNoSuchChannel()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");
        var reply = Assert.Single(await SendAndSyncAsync(alice, "MODE #nowhere +o alice"));
        Assert.Equal(Numerics.ERR_NOSUCHCHANNEL, reply.Command);
    }

    [Fact]
    public async Task Mode_UnknownLetter_RepliesUnknownModeAndAppliesTheRest()
    {
        await using var server = new TestServer();
        var (op, _) = await OpAndMemberAsync(server);
        var replies = await SendAndSyncAsync(op, "MODE #chan +iZ");
        Assert.Contains(replies, m => m.Command == "MODE" && m.Parameters[1] == "+i");
        var unknown = Assert.Single(replies, m => m.Command == Numerics.ERR_UNKNOWNMODE);
        Assert.Equal("Z", unknown.Parameters[1]);
    }

    [Theory]
    [InlineData("MODE #chan +o nobody", Numerics.ERR_NOSUCHNICK)]
    [InlineData("MODE #chan +v eve", Numerics.ERR_USERNOTINCHANNEL)]
    [InlineData("MODE #chan +l 0", Numerics.ERR_INVALIDMODEPARAM)]
    [InlineData("MODE #chan +l -1", Numerics.ERR_INVALIDMODEPARAM)]
    [InlineData("MODE #chan +l abc", Numerics.ERR_INVALIDMODEPARAM)]
    [InlineData("MODE #chan +k :has space", Numerics.ERR_INVALIDMODEPARAM)]
    public async Task Mode_BadParameter_RepliesItsNumeric(string line, string numeric)
    {
        await using var server = new TestServer();
        var (op, bob) = await OpAndMemberAsync(server);
        await server.ConnectRegisteredAsync("eve");
        var reply = Assert.Single(await SendAndSyncAsync(op, line));
        Assert.Equal(numeric, reply.Command);
        Assert.Empty(await bob.SyncAsync());
    }

    [Fact]
    public async Task Mode_InvalidKey_ShowsStarForTheParameter()
    {
        await using var server = new TestServer();
        var (op, _) = await OpAndMemberAsync(server);
        var reply = Assert.Single(await SendAndSyncAsync(op, "MODE #chan +k :has space"));
        Assert.Equal(["op", "#chan", "k", "*"], reply.Parameters.Take(4));
    }

    [Fact]
    public async Task Mode_OpAndVoice_GiveStatusShownInNames()
    {
        await using var server = new TestServer();
        var (op, bob) = await OpAndMemberAsync(server);
        await SendAndSyncAsync(op, "MODE #chan +v bob");
        Assert.Equal(["#chan", "+v", "bob"], Assert.Single(await bob.SyncAsync()).Parameters);
        var names = Assert.Single(await SendAndSyncAsync(op, "NAMES #chan"), m => m.Command == Numerics.RPL_NAMREPLY);
        Assert.Equal("@op +bob", names.Parameters[^1]);
    }

    [Fact]
    public async Task Mode_Key_IsRequiredToJoinAndRemovedWithAnyParameter()
    {
        await using var server = new TestServer();
        var (op, _) = await OpAndMemberAsync(server);
        var eve = await server.ConnectRegisteredAsync("eve");
        await SendAndSyncAsync(op, "MODE #chan +k beer");
        Assert.Contains(await JoinAsync(eve, "#chan"), m => m.Command == Numerics.ERR_BADCHANNELKEY);
        var removed = Assert.Single(await SendAndSyncAsync(op, "MODE #chan -k wrong"));
        Assert.Equal(["#chan", "-k", "*"], removed.Parameters);
        Assert.Contains(await JoinAsync(eve, "#chan"), m => m.Command == "JOIN");
    }

    [Fact]
    public async Task Mode_Limit_KeepsNewcomersOutOnceReached()
    {
        await using var server = new TestServer();
        var (op, _) = await OpAndMemberAsync(server);
        var eve = await server.ConnectRegisteredAsync("eve");
        Assert.Equal(["#chan", "+l", "2"], Assert.Single(await SendAndSyncAsync(op, "MODE #chan +l 2")).Parameters);
        Assert.Contains(await JoinAsync(eve, "#chan"), m => m.Command == Numerics.ERR_CHANNELISFULL);
        Assert.Equal(["#chan", "-l"], Assert.Single(await SendAndSyncAsync(op, "MODE #chan -l")).Parameters);
        Assert.Contains(await JoinAsync(eve, "#chan"), m => m.Command == "JOIN");
    }

    [Theory]
    [InlineData("b", Numerics.RPL_BANLIST, Numerics.RPL_ENDOFBANLIST)]
    [InlineData("e", Numerics.RPL_EXCEPTLIST, Numerics.RPL_ENDOFEXCEPTLIST)]
    [InlineData("I", Numerics.RPL_INVEXLIST, Numerics.RPL_ENDOFINVEXLIST)]
    public async Task Mode_ListWithoutMask_RepliesEntriesThenEnd(string mode, string item, string end)
    {
        await using var server = new TestServer();
        var (op, _) = await OpAndMemberAsync(server);
        var added = Assert.Single(await SendAndSyncAsync(op, $"MODE #chan +{mode} bar"));
        Assert.Equal(["#chan", "+" + mode, "bar!*@*"], added.Parameters);
        var replies = await SendAndSyncAsync(op, $"MODE #chan +{mode}");
        Assert.Equal([item, end], replies.Select(m => m.Command));
        Assert.Equal("bar!*@*", replies[0].Parameters[2]);
        Assert.StartsWith("op!", replies[0].Parameters[3]);
        Assert.Equal(server.Time.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), replies[0].Parameters[4]);
    }

    [Fact]
    public async Task Mode_ExceptionListByNonOp_RepliesChanOpPrivsNeeded()
    {
        await using var server = new TestServer();
        var (_, bob) = await OpAndMemberAsync(server);
        Assert.Equal(Numerics.ERR_CHANOPRIVSNEEDED, Assert.Single(await SendAndSyncAsync(bob, "MODE #chan e")).Command);
        Assert.Equal(Numerics.RPL_ENDOFBANLIST, Assert.Single(await SendAndSyncAsync(bob, "MODE #chan b")).Command);
    }

    [Fact]
    public async Task Mode_BanListFull_RepliesBanListFull()
    {
        await using var server = new TestServer(new ServerOptions { Limits = new LimitOptions { MaxListEntries = 2 } });
        var (op, _) = await OpAndMemberAsync(server);
        var replies = await SendAndSyncAsync(op, "MODE #chan +bbb a b c");
        Assert.Equal(["#chan", "+bb", "a!*@*", "b!*@*"], Assert.Single(replies, m => m.Command == "MODE").Parameters);
        var full = Assert.Single(replies, m => m.Command == Numerics.ERR_BANLISTFULL);
        Assert.Equal(["op", "#chan", "b"], full.Parameters.Take(3));
    }

    [Fact]
    public async Task Mode_MoreThanSixParameterModes_AppliesSix()
    {
        await using var server = new TestServer();
        var (op, _) = await OpAndMemberAsync(server);
        var echo = Assert.Single(await SendAndSyncAsync(op, "MODE #chan +bbbbbbbb a b c d e f g h"));
        Assert.Equal(8, echo.Parameters.Count);
        Assert.Equal("+bbbbbb", echo.Parameters[1]);
    }

    [Fact]
    public async Task Ban_KeepsOutUntilRemoved()
    {
        await using var server = new TestServer();
        var (op, _) = await OpAndMemberAsync(server);
        var bar = await server.ConnectRegisteredAsync("Bar");
        await SendAndSyncAsync(op, "MODE #chan +b BAR!*@*");
        Assert.Contains(await JoinAsync(bar, "#chan"), m => m.Command == Numerics.ERR_BANNEDFROMCHAN);
        Assert.Equal(["#chan", "-b", "BAR!*@*"], Assert.Single(await SendAndSyncAsync(op, "MODE #chan -b bar!*@*")).Parameters);
        Assert.Contains(await JoinAsync(bar, "#chan"), m => m.Command == "JOIN");
    }

    [Fact]
    public async Task MuteExtban_LetsTheUserJoinButNotSpeakUntilVoiced()
    {
        await using var server = new TestServer();
        var op = await server.ConnectRegisteredAsync("op");
        await JoinAsync(op, "#chan");
        await SendAndSyncAsync(op, "MODE #chan +b m:bob!*@*");
        var bob = await server.ConnectRegisteredAsync("bob");
        Assert.Contains(await JoinAsync(bob, "#chan"), m => m.Command == "JOIN");
        await op.SyncAsync();

        Assert.Equal(Numerics.ERR_CANNOTSENDTOCHAN, Assert.Single(await SendAndSyncAsync(bob, "PRIVMSG #chan :hello")).Command);
        Assert.Empty(await op.SyncAsync());

        await SendAndSyncAsync(op, "MODE #chan +v bob");
        await bob.SyncAsync();
        Assert.Empty(await SendAndSyncAsync(bob, "PRIVMSG #chan :hello again"));
        Assert.Equal("hello again", Assert.Single(await op.SyncAsync()).Parameters[1]);
    }

    [Fact]
    public async Task Isupport_AdvertisesTheMuteExtbanAndMultiTargetKick()
    {
        await using var server = new TestServer();
        var client = server.Connect();
        await client.SendAsync("NICK alice");
        await client.SendAsync("USER alice 0 * :Alice");
        var tokens = new List<string>();
        while (true)
        {
            var m = await client.ReadAsync();
            if (m.Command == Numerics.RPL_ISUPPORT)
            {
                tokens.AddRange(m.Parameters.Skip(1).SkipLast(1));
            }
            if (m.Command is Numerics.RPL_ENDOFMOTD or Numerics.ERR_NOMOTD)
            {
                break;
            }
        }
        Assert.Contains("EXTBAN=,am", tokens);
        Assert.Contains("ACCOUNTEXTBAN=a", tokens);
        Assert.Contains("MODES=6", tokens);
        Assert.Contains(tokens, t => t.StartsWith("TARGMAX=", StringComparison.Ordinal) && t.Contains("KICK:8", StringComparison.Ordinal));
    }
}
