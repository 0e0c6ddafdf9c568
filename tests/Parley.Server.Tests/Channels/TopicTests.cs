using System.Globalization;
using Parley.Protocol;
using Parley.Server.Hosting;
using Parley.Server.Tests.Infrastructure;
using static Parley.Server.Tests.Channels.ChannelScenario;

namespace Parley.Server.Tests.Channels;

/// <summary>TOPIC. https://modern.ircdocs.horse/#topic-message</summary>
public sealed class TopicTests
{
    [Fact]
    public async Task Topic_Set_IsSeenByEveryMemberAndTheSetter()
    {
        await using var server = new TestServer();
        var (op, bob) = await OpAndMemberAsync(server);
        var echo = Assert.Single(await SendAndSyncAsync(op, "TOPIC #chan :hello world"));
        Assert.Equal("TOPIC", echo.Command);
        Assert.StartsWith("op!", echo.Source);
        Assert.Equal(["#chan", "hello world"], echo.Parameters);
        Assert.Equal(["#chan", "hello world"], Assert.Single(await bob.SyncAsync()).Parameters);
    }

    [Fact]
    public async Task Topic_Query_RepliesTopicAndWhoSetItWhen()
    {
        await using var server = new TestServer(ChannelScenario.QuietClock);
        var (op, bob) = await OpAndMemberAsync(server);
        await SendAndSyncAsync(op, "TOPIC #chan :hello");
        var setAt = server.Time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        server.Time.Advance(TimeSpan.FromMinutes(5));
        await bob.SyncAsync();
        var replies = await SendAndSyncAsync(bob, "TOPIC #chan");
        Assert.Equal([Numerics.RPL_TOPIC, Numerics.RPL_TOPICWHOTIME], replies.Select(m => m.Command));
        Assert.Equal(["bob", "#chan", "hello"], replies[0].Parameters);
        Assert.StartsWith("op!", replies[1].Parameters[2]);
        Assert.Equal(setAt, replies[1].Parameters[3]);
    }

    [Fact]
    public async Task Topic_QueryWhenUnset_RepliesNoTopic()
    {
        await using var server = new TestServer();
        var (_, bob) = await OpAndMemberAsync(server);
        Assert.Equal(Numerics.RPL_NOTOPIC, Assert.Single(await SendAndSyncAsync(bob, "TOPIC #chan")).Command);
    }

    [Fact]
    public async Task Topic_Empty_ClearsIt()
    {
        await using var server = new TestServer();
        var (op, bob) = await OpAndMemberAsync(server);
        await SendAndSyncAsync(op, "TOPIC #chan :hello");
        await bob.SyncAsync();
        Assert.Equal(["#chan", ""], Assert.Single(await SendAndSyncAsync(op, "TOPIC #chan :")).Parameters);
        Assert.Equal(["#chan", ""], Assert.Single(await bob.SyncAsync()).Parameters);
        Assert.Equal(Numerics.RPL_NOTOPIC, Assert.Single(await SendAndSyncAsync(bob, "TOPIC #chan")).Command);
    }

    [Fact]
    public async Task Topic_ByNonOpWithTopicLock_RepliesChanOpPrivsNeeded()
    {
        await using var server = new TestServer();
        var (op, bob) = await OpAndMemberAsync(server);
        Assert.Equal(Numerics.ERR_CHANOPRIVSNEEDED, Assert.Single(await SendAndSyncAsync(bob, "TOPIC #chan :mine")).Command);
        Assert.Empty(await op.SyncAsync());
        await SendAndSyncAsync(op, "MODE #chan -t");
        await bob.SyncAsync();
        Assert.Equal("TOPIC", Assert.Single(await SendAndSyncAsync(bob, "TOPIC #chan :mine")).Command);
    }

    [Theory]
    [InlineData("TOPIC #nowhere", Numerics.ERR_NOSUCHCHANNEL)]
    [InlineData("TOPIC #nowhere :x", Numerics.ERR_NOSUCHCHANNEL)]
    [InlineData("TOPIC #chan", Numerics.ERR_NOTONCHANNEL)]
    [InlineData("TOPIC #chan :x", Numerics.ERR_NOTONCHANNEL)]
    [InlineData("TOPIC", Numerics.ERR_NEEDMOREPARAMS)]
    public async Task Topic_FromOutside_RepliesItsNumeric(string line, string numeric)
    {
        await using var server = new TestServer();
        await OpAndMemberAsync(server);
        var eve = await server.ConnectRegisteredAsync("eve");
        Assert.Equal(numeric, Assert.Single(await SendAndSyncAsync(eve, line)).Command);
    }

    [Fact]
    public async Task Topic_TooLong_IsCutToTopicLenWithoutSplittingACharacter()
    {
        await using var server = new TestServer(new ServerOptions { Limits = new LimitOptions { TopicLength = 9 } });
        var (op, _) = await OpAndMemberAsync(server);
        // é is two bytes in UTF-8: nine bytes hold four of them and half a fifth, which is dropped.
        var echo = Assert.Single(await SendAndSyncAsync(op, "TOPIC #chan :éééééé"));
        Assert.Equal("éééé", echo.Parameters[1]);
    }
}
