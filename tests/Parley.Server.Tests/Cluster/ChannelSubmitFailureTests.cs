using Parley.Protocol;
using Parley.Server.Network;
using Parley.Server.Tests.Infrastructure;
using static Parley.Server.Tests.Channels.ChannelScenario;
using Mode = Parley.Server.Tests.Cluster.FakeNetworkLink.SubmitMode;

namespace Parley.Server.Tests.Cluster;

/// <summary>
/// A channel command whose submit to the cluster fails (a timeout, a grain's death, refused, the
/// database stalled) answers its client and changes nothing (issue 9): JOIN 437, the others
/// FAIL … TEMPORARILY_UNAVAILABLE, NOTICE nothing. Through <see cref="FakeNetworkLink"/>.
/// </summary>
public sealed class ChannelSubmitFailureTests
{
    private static readonly string[] OpCaps = ["message-tags", "echo-message", "batch", "labeled-response", "draft/multiline", "draft/message-redaction", "draft/metadata-3"];

    /// <summary>op (opped) and bob on #chan through the link; carol registered, on no channel.</summary>
    private static async Task<(TestClient Op, TestClient Bob, TestClient Carol)> ChannelAsync(TestServer server)
    {
        var op = await server.ConnectRegisteredAsync("op", OpCaps);
        var bob = await server.ConnectRegisteredAsync("bob");
        var carol = await server.ConnectRegisteredAsync("carol");
        await JoinAsync(op, "#chan");
        await JoinAsync(bob, "#chan");
        await op.SyncAsync();
        return (op, bob, carol);
    }

    private static async Task<string[]> NamesAsync(TestClient client)
    {
        var names = await SendAndSyncAsync(client, "NAMES #chan");
        return [.. names.Where(m => m.Command == Numerics.RPL_NAMREPLY).SelectMany(m => m.Parameters[^1].Split(' ')).Order(StringComparer.Ordinal)];
    }

    [Theory]
    [InlineData(Mode.Refused)]
    [InlineData(Mode.Throws)]
    public async Task Join_WhenTheSubmitFails_Replies437_AndJoinsNothing(Mode mode)
    {
        var link = new FakeNetworkLink();
        await using var server = new TestServer(link: link);
        var (op, bob, carol) = await ChannelAsync(server);
        link.Mode = mode;

        var reply = Assert.Single(await SendAndSyncAsync(carol, "JOIN #chan"));

        Assert.Equal(Numerics.ERR_UNAVAILRESOURCE, reply.Command);
        Assert.Equal(["carol", "#chan", "Channel is temporarily unavailable"], reply.Parameters);
        Assert.Empty(await bob.SyncAsync());
        link.Mode = Mode.Works;
        Assert.Equal(["@op", "bob"], await NamesAsync(op));
    }

    [Fact]
    public async Task Join_WhenTheClusterNeverAnswers_Replies437AfterTheTimeout_AndRefusesTheCommandIfItComesLater()
    {
        var link = new FakeNetworkLink();
        await using var server = new TestServer(QuietClock, link: link);
        var (op, bob, carol) = await ChannelAsync(server);
        link.Mode = Mode.Hangs;

        await carol.SendAsync("JOIN #chan");
        await link.Hanging.Task.WaitAsync(TimeSpan.FromSeconds(10));
        server.Time.Advance(IrcNetwork.SubmitTimeout);

        var reply = await carol.ExpectAsync(Numerics.ERR_UNAVAILRESOURCE);
        Assert.Equal(["carol", "#chan", "Channel is temporarily unavailable"], reply.Parameters);
        // The channel's grain hands the node the command after all: refused, so nobody applies it.
        Assert.False(link.DeliverLate(Assert.Single(link.Stuck)));
        Assert.Empty(await carol.SyncAsync());
        Assert.Empty(await bob.SyncAsync());
        link.Mode = Mode.Works;
        Assert.Equal(["@op", "bob"], await NamesAsync(op));
    }

    [Theory]
    [InlineData("PART #chan", "PART", "#chan")]
    [InlineData("JOIN 0", "JOIN", "#chan")]
    [InlineData("TOPIC #chan :new topic", "TOPIC", "#chan")]
    [InlineData("KICK #chan bob", "KICK", "#chan", "bob")]
    [InlineData("MODE #chan +m", "MODE", "#chan")]
    [InlineData("INVITE carol #chan", "INVITE", "#chan", "carol")]
    [InlineData("PRIVMSG #chan :hello", "PRIVMSG", "#chan")]
    [InlineData("@+typing=active TAGMSG #chan", "TAGMSG", "#chan")]
    [InlineData("METADATA #chan SET url :https://example.com", "METADATA", "#chan", "url")]
    public async Task ChannelCommand_WhenTheSubmitFails_RepliesFail_AndChangesNothing(string line, string command, params string[] context)
    {
        var link = new FakeNetworkLink();
        await using var server = new TestServer(link: link);
        var (op, bob, carol) = await ChannelAsync(server);
        link.Mode = Mode.Refused;

        var reply = Assert.Single(await SendAndSyncAsync(op, line));

        Assert.Equal("FAIL", reply.Command);
        Assert.Equal([command, "TEMPORARILY_UNAVAILABLE", .. context, "Channel is temporarily unavailable, try again"], reply.Parameters);
        Assert.Empty(await bob.SyncAsync());
        Assert.Empty(await carol.SyncAsync());
        link.Mode = Mode.Works;
        Assert.Equal(["@op", "bob"], await NamesAsync(op));
        Assert.Equal(Numerics.RPL_NOTOPIC, Assert.Single(await SendAndSyncAsync(bob, "TOPIC #chan")).Command);
        Assert.DoesNotContain('m', Assert.Single(await SendAndSyncAsync(bob, "MODE #chan"), m => m.Command == Numerics.RPL_CHANNELMODEIS).Parameters[2]);
    }

    [Fact]
    public async Task Privmsg_WithALabelAndEcho_WhenTheSubmitFails_GetsTheLabelledFail_AndNoEcho()
    {
        var link = new FakeNetworkLink();
        await using var server = new TestServer(link: link);
        var (op, bob, _) = await ChannelAsync(server);
        link.Mode = Mode.Throws;

        var reply = Assert.Single(await SendAndSyncAsync(op, "@label=m1 PRIVMSG #chan :hello"));

        Assert.Equal("FAIL", reply.Command);
        Assert.Equal("m1", reply.GetTag("label"));
        Assert.Equal(["PRIVMSG", "TEMPORARILY_UNAVAILABLE", "#chan"], reply.Parameters.Take(3));
        Assert.Empty(await bob.SyncAsync());
    }

    [Fact]
    public async Task Notice_WhenTheSubmitFails_GetsNoErrorAsNoticeNeverDoes_ButItsLabelIsAcknowledged()
    {
        var link = new FakeNetworkLink();
        await using var server = new TestServer(link: link);
        var (op, bob, _) = await ChannelAsync(server);
        link.Mode = Mode.Refused;

        Assert.Empty(await SendAndSyncAsync(op, "NOTICE #chan :hello"));
        var ack = Assert.Single(await SendAndSyncAsync(op, "@label=n1 NOTICE #chan :hello"));

        Assert.Equal("ACK", ack.Command);
        Assert.Equal("n1", ack.GetTag("label"));
        Assert.Empty(await bob.SyncAsync());
    }

    [Fact]
    public async Task MultilineBatch_WhenTheSubmitFails_RepliesFailBatch()
    {
        var link = new FakeNetworkLink();
        await using var server = new TestServer(link: link);
        var (op, bob, _) = await ChannelAsync(server);
        link.Mode = Mode.Refused;

        await op.SendAsync("BATCH +b1 draft/multiline #chan");
        await op.SendAsync("@batch=b1 PRIVMSG #chan :one");
        await op.SendAsync("@batch=b1 PRIVMSG #chan :two");
        var reply = Assert.Single(await SendAndSyncAsync(op, "BATCH -b1"));

        Assert.Equal(["BATCH", "TEMPORARILY_UNAVAILABLE", "#chan"], reply.Parameters.Take(3));
        Assert.Empty(await bob.SyncAsync());
    }

    [Fact]
    public async Task Redact_WhenTheSubmitFails_RepliesFail_AndDeletesNothing()
    {
        var link = new FakeNetworkLink();
        await using var server = new TestServer(link: link);
        var (op, bob, _) = await ChannelAsync(server);
        await op.SendAsync("PRIVMSG #chan :hello");
        var msgid = (await op.ExpectAsync("PRIVMSG")).GetTag("msgid")!;
        await bob.SyncAsync();
        link.Mode = Mode.Refused;

        var reply = Assert.Single(await SendAndSyncAsync(op, $"REDACT #chan {msgid}"));

        Assert.Equal(["REDACT", "TEMPORARILY_UNAVAILABLE", "#chan", msgid], reply.Parameters.Take(4));
        // Still in history: redacted once the cluster takes it.
        link.Mode = Mode.Works;
        Assert.Equal("REDACT", Assert.Single(await SendAndSyncAsync(op, $"REDACT #chan {msgid}")).Command);
    }
}
