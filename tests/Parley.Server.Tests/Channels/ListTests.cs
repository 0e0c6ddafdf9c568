using Parley.Protocol;
using Parley.Server.Tests.Infrastructure;
using static Parley.Server.Tests.Channels.ChannelScenario;

namespace Parley.Server.Tests.Channels;

/// <summary>LIST and its ELIST conditions. https://modern.ircdocs.horse/#list-message</summary>
public sealed class ListTests
{
    private static async Task<List<string[]>> ListAsync(TestClient client, string line)
    {
        var replies = await SendAndSyncAsync(client, line);
        Assert.Equal(Numerics.RPL_LISTSTART, replies[0].Command);
        Assert.Equal(Numerics.RPL_LISTEND, replies[^1].Command);
        return [.. replies.Where(m => m.Command == Numerics.RPL_LIST).Select(m => m.Parameters.Skip(1).ToArray()).OrderBy(p => p[0], StringComparer.Ordinal)];
    }

    [Fact]
    public async Task List_All_ShowsEachChannelWithUsersAndTopic()
    {
        await using var server = new TestServer();
        var (op, _) = await OpAndMemberAsync(server);
        await SendAndSyncAsync(op, "TOPIC #chan :the topic");
        await JoinAsync(op, "#other");
        Assert.Equal([["#chan", "2", "the topic"], ["#other", "1", ""]], await ListAsync(op, "LIST"));
    }

    [Fact]
    public async Task List_NoChannels_RepliesStartAndEndOnly()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");
        Assert.Empty(await ListAsync(alice, "LIST"));
        Assert.Empty(await ListAsync(alice, "LIST #nonexistent"));
    }

    [Fact]
    public async Task List_SecretChannel_IsHiddenFromNonMembers()
    {
        await using var server = new TestServer();
        var (op, _) = await OpAndMemberAsync(server);
        var eve = await server.ConnectRegisteredAsync("eve");
        await SendAndSyncAsync(op, "MODE #chan +s");
        Assert.Single(await ListAsync(op, "LIST"));
        Assert.Empty(await ListAsync(eve, "LIST"));
        Assert.Empty(await ListAsync(eve, "LIST #chan"));
    }

    [Fact]
    public async Task List_InvisibleUsers_AreNotCountedForOutsiders()
    {
        await using var server = new TestServer();
        var (op, bob) = await OpAndMemberAsync(server);
        var eve = await server.ConnectRegisteredAsync("eve");
        await SendAndSyncAsync(bob, "MODE bob +i");
        Assert.Equal("2", (await ListAsync(op, "LIST"))[0][1]);
        Assert.Equal("1", (await ListAsync(eve, "LIST"))[0][1]);
    }

    [Theory]
    [InlineData("LIST #a,#c", "#a,#c")]
    [InlineData("LIST >1", "#b")]
    [InlineData("LIST <2", "#a,#c")]
    [InlineData("LIST #*b", "#b")]
    [InlineData("LIST !#*b", "#a,#c")]
    [InlineData("LIST C>10", "#a")]
    [InlineData("LIST C<10", "#b,#c")]
    [InlineData("LIST T<3", "#c")]
    [InlineData("LIST T>3", "#a")]
    public async Task List_WithConditions_ShowsOnlyMatchingChannels(string line, string expected)
    {
        await using var server = new TestServer(ChannelScenario.QuietClock);
        var alice = await server.ConnectRegisteredAsync("alice");
        var bob = await server.ConnectRegisteredAsync("bob");
        // #a: made now, topic now. #b: 15 minutes later, two users, no topic. #c: 20 minutes later, topic then.
        await JoinAsync(alice, "#a");
        await SendAndSyncAsync(alice, "TOPIC #a :a");
        server.Time.Advance(TimeSpan.FromMinutes(15));
        await JoinAsync(alice, "#b");
        await JoinAsync(bob, "#b");
        server.Time.Advance(TimeSpan.FromMinutes(5));
        await JoinAsync(alice, "#c");
        await SendAndSyncAsync(alice, "TOPIC #c :c");
        server.Time.Advance(TimeSpan.FromMinutes(1));
        await alice.SyncAsync();
        Assert.Equal(expected, string.Join(',', (await ListAsync(bob, line)).Select(p => p[0])));
    }
}
