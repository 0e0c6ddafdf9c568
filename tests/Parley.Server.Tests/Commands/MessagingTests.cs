using Parley.Protocol;
using Parley.Server.Tests.Infrastructure;

namespace Parley.Server.Tests.Commands;

public sealed class MessagingTests
{
    [Fact]
    public async Task Privmsg_ToUser_IsDelivered()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");
        var bob = await server.ConnectRegisteredAsync("bob");
        await alice.SendAsync("PRIVMSG bob :hi bob");
        var m = await bob.ExpectAsync("PRIVMSG");
        Assert.StartsWith("alice!", m.Source);
        Assert.Equal(["bob", "hi bob"], m.Parameters);
    }

    [Fact]
    public async Task Privmsg_ToUnknownNick_RepliesNoSuchNick()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");
        await alice.SendAsync("PRIVMSG nobody :hi");
        Assert.Equal(Numerics.ERR_NOSUCHNICK, (await alice.ReadAsync()).Command);
    }

    [Fact]
    public async Task Notice_ToUnknownNick_RepliesNothing()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");
        await alice.SendAsync("NOTICE nobody :hi");
        Assert.Empty(await alice.SyncAsync());
    }

    [Fact]
    public async Task Privmsg_WithTagsAndEcho_CarriesMsgidTimeAndClientTags()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice", "message-tags", "echo-message", "server-time");
        var bob = await server.ConnectRegisteredAsync("bob", "message-tags");
        var plain = await server.ConnectRegisteredAsync("plain");
        await alice.SendAsync("@+draft/react=x;label=l1 PRIVMSG bob,plain :yo");
        var echo1 = await alice.ExpectAsync("PRIVMSG");
        Assert.NotNull(echo1.GetTag("msgid"));
        Assert.NotNull(echo1.GetTag("time"));
        var atBob = await bob.ExpectAsync("PRIVMSG");
        Assert.Equal("x", atBob.GetTag("+draft/react"));
        Assert.Equal(echo1.GetTag("msgid"), atBob.GetTag("msgid"));
        var atPlain = await plain.ExpectAsync("PRIVMSG");
        Assert.Empty(atPlain.Tags);
    }

    [Fact]
    public async Task Channel_JoinOrder_JoinerSeesOwnJoinBeforeChannelTraffic()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");
        var bob = await server.ConnectRegisteredAsync("bob");
        await alice.SendAsync("JOIN #room");
        await alice.SyncAsync();
        await bob.SendAsync("JOIN #room");
        var join = await bob.ReadAsync();
        Assert.Equal("JOIN", join.Command);
        var names = await bob.ExpectAsync(Numerics.RPL_NAMREPLY);
        Assert.Equal("@alice bob", names.Parameters[^1]);
        await alice.SendAsync("PRIVMSG #room :welcome");
        var msg = await bob.ExpectAsync("PRIVMSG");
        Assert.Equal("welcome", msg.Parameters[1]);
    }

    [Fact]
    public async Task Channel_NoExternal_RejectsOutsider()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");
        var eve = await server.ConnectRegisteredAsync("eve");
        await alice.SendAsync("JOIN #closed");
        await alice.SyncAsync();
        await eve.SendAsync("PRIVMSG #closed :let me in");
        Assert.Equal(Numerics.ERR_CANNOTSENDTOCHAN, (await eve.ReadAsync()).Command);
    }

    [Fact]
    public async Task LabeledCommand_WithSeveralReplies_IsWrappedInBatch()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice", "labeled-response", "batch");
        await alice.SendAsync("@label=abc JOIN #lab");
        var start = await alice.ReadAsync();
        Assert.Equal("BATCH", start.Command);
        Assert.Equal("abc", start.GetTag("label"));
        var id = start.Parameters[0][1..];
        var inner = new List<IrcMessage>();
        IrcMessage m;
        while ((m = await alice.ReadAsync()).Command != "BATCH")
        {
            Assert.Equal(id, m.GetTag("batch"));
            inner.Add(m);
        }
        Assert.Equal("-" + id, m.Parameters[0]);
        Assert.Equal("JOIN", inner[0].Command);
    }

    [Fact]
    public async Task LabeledCommand_WithNoReply_GetsAck()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice", "labeled-response");
        await alice.SendAsync("@label=q PONG x");
        var ack = await alice.ReadAsync();
        Assert.Equal("ACK", ack.Command);
        Assert.Equal("q", ack.GetTag("label"));
    }
}
