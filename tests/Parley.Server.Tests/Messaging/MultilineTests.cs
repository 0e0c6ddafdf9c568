using Parley.Protocol;
using Parley.Server.Hosting;
using Parley.Server.Sessions;
using Parley.Server.Tests.Infrastructure;

namespace Parley.Server.Tests.Messaging;

/// <summary>draft/multiline: https://ircv3.net/specs/extensions/multiline</summary>
public sealed class MultilineTests
{
    private static readonly string[] BaseCaps = ["message-tags", "batch", "echo-message", "server-time", "labeled-response"];
    private static readonly string[] MultilineCaps = [.. BaseCaps, "draft/multiline"];

    /// <summary>alice and bob (draft/multiline), charlie (no multiline), all in #test.</summary>
    private static async Task<(TestClient Alice, TestClient Bob, TestClient Charlie)> ChannelOfThreeAsync(TestServer server)
    {
        var alice = await server.ConnectRegisteredAsync("alice", MultilineCaps);
        var bob = await server.ConnectRegisteredAsync("bob", MultilineCaps);
        var charlie = await server.ConnectRegisteredAsync("charlie", BaseCaps);
        foreach (var c in new[] { alice, bob, charlie })
        {
            await c.SendAsync("JOIN #test");
            await c.SyncAsync();
        }
        await alice.SyncAsync();
        await bob.SyncAsync();
        return (alice, bob, charlie);
    }

    /// <summary>Sends the opening line, the lines, and BATCH -id with the opening's id.</summary>
    private static async Task SendBatchAsync(TestClient c, string opening, params string[] lines)
    {
        await c.SendAsync(opening);
        foreach (var line in lines)
        {
            await c.SendAsync(line);
        }
        var id = IrcParser.Parse(opening).Parameters[0][1..];
        await c.SendAsync("BATCH -" + id);
    }

    [Fact]
    public async Task Batch_ToChannel_CapClientsGetTheBatch_OthersGetEachLine()
    {
        await using var server = new TestServer();
        var (alice, bob, charlie) = await ChannelOfThreeAsync(server);

        await SendBatchAsync(alice, "@label=xyz BATCH +123 draft/multiline #test",
            "@batch=123 PRIVMSG #test hello",
            "@batch=123 PRIVMSG #test :how is ",
            "@batch=123;draft/multiline-concat PRIVMSG #test :everyone?");

        // The echo is the labeled response: the label is on the BATCH start, no labeled-response batch.
        var echo = await alice.SyncAsync();
        Assert.Equal(5, echo.Count);
        Assert.Equal("BATCH", echo[0].Command);
        Assert.Equal("xyz", echo[0].GetTag("label"));
        Assert.Equal(["draft/multiline", "#test"], echo[0].Parameters.Skip(1));
        var msgid = echo[0].GetTag("msgid");
        var time = echo[0].GetTag("time");
        Assert.NotNull(msgid);
        Assert.NotNull(time);
        var echoId = echo[0].Parameters[0][1..];
        Assert.All(echo.Skip(1).Take(3), m =>
        {
            Assert.Equal("PRIVMSG", m.Command);
            Assert.Equal(echoId, m.GetTag("batch"));
            Assert.False(m.HasTag("msgid"));
            Assert.False(m.HasTag("label"));
        });
        Assert.True(echo[3].HasTag("draft/multiline-concat"));
        Assert.Equal(["-" + echoId], echo[4].Parameters);

        var relay = await bob.SyncAsync();
        Assert.Equal(5, relay.Count);
        Assert.Equal("BATCH", relay[0].Command);
        Assert.StartsWith("alice!", relay[0].Source);
        Assert.Equal(msgid, relay[0].GetTag("msgid"));
        Assert.Equal(time, relay[0].GetTag("time"));
        var id = relay[0].Parameters[0][1..];
        Assert.Equal(["hello", "how is ", "everyone?"], relay.Skip(1).Take(3).Select(m => m.Parameters[1]));
        Assert.All(relay.Skip(1).Take(3), m => Assert.Equal(id, m.GetTag("batch")));
        Assert.False(relay[2].HasTag("draft/multiline-concat"));
        Assert.True(relay[3].HasTag("draft/multiline-concat"));
        Assert.Equal(["-" + id], relay[4].Parameters);

        // Fallback: each line on its own, not joined; msgid on the first only; time on all.
        var fallback = await charlie.SyncAsync();
        Assert.Equal(["hello", "how is ", "everyone?"], fallback.Select(m => m.Parameters[1]));
        Assert.All(fallback, m =>
        {
            Assert.Equal("PRIVMSG", m.Command);
            Assert.Equal(time, m.GetTag("time"));
            Assert.False(m.HasTag("draft/multiline-concat"));
            Assert.False(m.HasTag("batch"));
        });
        Assert.Equal([msgid, null, null], fallback.Select(m => m.GetTag("msgid")));
    }

    [Fact]
    public async Task BlankLines_AreRelayedInTheBatch_SkippedInTheFallback_ClientTagsKept()
    {
        await using var server = new TestServer();
        var (alice, bob, charlie) = await ChannelOfThreeAsync(server);

        await SendBatchAsync(alice, "@+client-only-tag BATCH +123 draft/multiline #test",
            "@batch=123 PRIVMSG #test :",
            "@batch=123 PRIVMSG #test :#how is ",
            "@batch=123;draft/multiline-concat PRIVMSG #test :everyone?");
        await alice.SyncAsync();

        var relay = await bob.SyncAsync();
        Assert.True(relay[0].HasTag("+client-only-tag"));
        Assert.Equal(["", "#how is ", "everyone?"], relay.Skip(1).Take(3).Select(m => m.Parameters[1]));

        var fallback = await charlie.SyncAsync();
        Assert.Equal(["#how is ", "everyone?"], fallback.Select(m => m.Parameters[1]));
        Assert.All(fallback, m => Assert.True(m.HasTag("+client-only-tag")));
        Assert.Equal(relay[0].GetTag("msgid"), fallback[0].GetTag("msgid"));
    }

    [Fact]
    public async Task Batch_ToUser_WithoutMessageTags_GetsPlainLines()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice", "batch", "draft/multiline");
        var plain = await server.ConnectRegisteredAsync("plain");
        await SendBatchAsync(alice, "BATCH +123 draft/multiline plain",
            "@batch=123 NOTICE plain :one",
            "@batch=123 NOTICE plain :two");
        // No echo-message, no label: nothing comes back.
        Assert.Empty(await alice.SyncAsync());
        var got = await plain.SyncAsync();
        Assert.Equal(["one", "two"], got.Select(m => m.Parameters[1]));
        Assert.All(got, m =>
        {
            Assert.Equal("NOTICE", m.Command);
            Assert.Empty(m.Tags);
        });
    }

    [Fact]
    public async Task EchoWithoutLabel_IsTheBatch_EchoWithoutMultilineCap_IsTheFallback()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice", MultilineCaps);
        var dora = await server.ConnectRegisteredAsync("dora", "echo-message", "draft/multiline");
        await server.ConnectRegisteredAsync("bob");

        await SendBatchAsync(alice, "BATCH +123 draft/multiline bob", "@batch=123 PRIVMSG bob :a", "@batch=123 PRIVMSG bob :b");
        var echo = await alice.SyncAsync();
        Assert.Equal(["BATCH", "PRIVMSG", "PRIVMSG", "BATCH"], echo.Select(m => m.Command));
        Assert.Equal(echo[0].Parameters[0][1..], echo[1].GetTag("batch"));

        await SendBatchAsync(dora, "BATCH +123 draft/multiline bob", "@batch=123 PRIVMSG bob :a", "@batch=123 PRIVMSG bob :b");
        var plainEcho = await dora.SyncAsync();
        Assert.Equal(["a", "b"], plainEcho.Select(m => m.Parameters[1]));
    }

    [Fact]
    public async Task LabeledBatch_WithoutEcho_GetsAck()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice", "batch", "labeled-response", "draft/multiline");
        var bob = await server.ConnectRegisteredAsync("bob");
        await alice.SendAsync("@label=L1 BATCH +123 draft/multiline bob");
        await alice.SendAsync("@batch=123 PRIVMSG bob :hi");
        await alice.SendAsync("@batch=123 PRIVMSG bob :there");
        // Nothing before the batch closes: no ACK for the opening line or the collected lines.
        Assert.Empty(await alice.SyncAsync());
        await alice.SendAsync("BATCH -123");
        var ack = Assert.Single(await alice.SyncAsync());
        Assert.Equal("ACK", ack.Command);
        Assert.Equal("L1", ack.GetTag("label"));
        Assert.Equal(2, (await bob.SyncAsync()).Count);
    }

    [Fact]
    public async Task OtherCommands_DuringABatch_RunNormally()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice", MultilineCaps);
        var bob = await server.ConnectRegisteredAsync("bob");
        await alice.SendAsync("BATCH +123 draft/multiline bob");
        await alice.SendAsync("@batch=123 PRIVMSG bob :first");
        await alice.SendAsync("PRIVMSG bob :meanwhile");
        await alice.SendAsync("@batch=123 PRIVMSG bob :second");
        await alice.SendAsync("BATCH -123");
        await alice.SyncAsync();
        var got = await bob.SyncAsync();
        Assert.Equal(["meanwhile", "first", "second"], got.Select(m => m.Parameters[1]));
    }

    [Fact]
    public async Task TooManyLines_FailsAtOnce_AndTheRestIsDroppedQuietly()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice", MultilineCaps);
        var bob = await server.ConnectRegisteredAsync("bob", MultilineCaps);
        await alice.SendAsync("@label=big BATCH +123 draft/multiline bob");
        for (var i = 0; i <= Capabilities.MultilineMaxLines; i++)
        {
            await alice.SendAsync("@batch=123 PRIVMSG bob hi");
        }
        var fail = Assert.Single(await alice.SyncAsync());
        Assert.Equal("FAIL", fail.Command);
        Assert.Equal(["BATCH", "MULTILINE_MAX_LINES", "32"], fail.Parameters.Take(3));
        Assert.Equal("big", fail.GetTag("label"));
        await alice.SendAsync("@batch=123 PRIVMSG bob hi");
        await alice.SendAsync("BATCH -123");
        Assert.Empty(await alice.SyncAsync());
        Assert.Empty(await bob.SyncAsync());
    }

    [Fact]
    public async Task TooManyBytes_Fails()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice", MultilineCaps);
        await alice.SendAsync("BATCH +234 draft/multiline alice");
        for (var i = 0; i < 11; i++)
        {
            await alice.SendAsync("@batch=234 PRIVMSG alice " + new string('x', 400));
        }
        var fail = Assert.Single(await alice.SyncAsync());
        Assert.Equal(["BATCH", "MULTILINE_MAX_BYTES", "4096"], fail.Parameters.Take(3));
    }

    [Theory]
    [InlineData(81, true)]
    [InlineData(82, false)]
    public async Task BytesCountTheJoiningLineFeeds_NotTheConcatenations(int lastLength, bool fits)
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice", MultilineCaps);
        await server.ConnectRegisteredAsync("bob");
        // 16 lines of 250 bytes + 15 line feeds = 4015; a concat line of 81 bytes makes 4096, the limit.
        var lines = Enumerable.Repeat("@batch=1 PRIVMSG bob " + new string('x', 250), 16)
            .Append("@batch=1;draft/multiline-concat PRIVMSG bob " + new string('z', lastLength))
            .ToArray();
        await SendBatchAsync(alice, "BATCH +1 draft/multiline bob", lines);
        var echo = await alice.SyncAsync();
        if (fits)
        {
            Assert.Equal("BATCH", echo[0].Command);
            Assert.Equal(19, echo.Count);
        }
        else
        {
            var fail = Assert.Single(echo);
            Assert.Equal(["BATCH", "MULTILINE_MAX_BYTES"], fail.Parameters.Take(2));
        }
    }

    [Theory]
    [InlineData("@batch=123 PRIVMSG #other :hi", "MULTILINE_INVALID_TARGET")]
    [InlineData("@batch=123;draft/multiline-concat PRIVMSG #test :", "MULTILINE_INVALID")]
    [InlineData("@batch=123 NOTICE #test :mixed", "MULTILINE_INVALID")]
    [InlineData("@batch=123 TAGMSG #test", "MULTILINE_INVALID")]
    [InlineData("@batch=999 PRIVMSG #test :wrong reference", "MULTILINE_INVALID")]
    public async Task InvalidLine_FailsTheBatch_AndNothingIsRelayed(string line, string code)
    {
        await using var server = new TestServer();
        var (alice, bob, charlie) = await ChannelOfThreeAsync(server);
        await SendBatchAsync(alice, "BATCH +123 draft/multiline #test", "@batch=123 PRIVMSG #test :hi", line);
        var replies = await alice.SyncAsync();
        var fail = Assert.Single(replies);
        Assert.Equal("FAIL", fail.Command);
        Assert.Equal(["BATCH", code], fail.Parameters.Take(2));
        if (code == "MULTILINE_INVALID_TARGET")
        {
            Assert.Equal(["#test", "#other"], fail.Parameters.Skip(2).Take(2));
        }
        Assert.Empty(await bob.SyncAsync());
        Assert.Empty(await charlie.SyncAsync());
    }

    [Fact]
    public async Task OnlyBlankLines_Fails()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice", MultilineCaps);
        await SendBatchAsync(alice, "BATCH +123 draft/multiline alice", "@batch=123 PRIVMSG alice :", "@batch=123 PRIVMSG alice :");
        var fail = Assert.Single(await alice.SyncAsync());
        Assert.Equal(["BATCH", "MULTILINE_INVALID"], fail.Parameters.Take(2));
    }

    [Theory]
    [InlineData("BATCH -nope")]
    [InlineData("@batch=nope PRIVMSG alice :stray")]
    public async Task StrayBatchLines_Fail(string line)
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice", MultilineCaps);
        await alice.SendAsync(line);
        var fail = Assert.Single(await alice.SyncAsync());
        Assert.Equal(["BATCH", "MULTILINE_INVALID"], fail.Parameters.Take(2));
    }

    [Fact]
    public async Task EndOfAnotherBatch_FailsTheOpenOne_WhoseRestThenPassesQuietly()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice", MultilineCaps);
        var bob = await server.ConnectRegisteredAsync("bob");
        await alice.SendAsync("BATCH +1 draft/multiline bob");
        await alice.SendAsync("@batch=1 PRIVMSG bob :x");
        await alice.SendAsync("BATCH -2");
        await alice.SendAsync("@batch=1 PRIVMSG bob :y");
        await alice.SendAsync("BATCH -1");
        var fail = Assert.Single(await alice.SyncAsync());
        Assert.Equal(["BATCH", "MULTILINE_INVALID"], fail.Parameters.Take(2));
        Assert.Empty(await bob.SyncAsync());
    }

    [Fact]
    public async Task SecondOpen_WhileOneIsOpen_Fails()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice", MultilineCaps);
        var bob = await server.ConnectRegisteredAsync("bob");
        await alice.SendAsync("BATCH +1 draft/multiline bob");
        await alice.SendAsync("BATCH +2 draft/multiline bob");
        var fail = Assert.Single(await alice.SyncAsync());
        Assert.Equal(["BATCH", "MULTILINE_INVALID"], fail.Parameters.Take(2));
        // The second batch's lines and end are dropped quietly.
        await alice.SendAsync("@batch=2 PRIVMSG bob :x");
        await alice.SendAsync("BATCH -2");
        Assert.Empty(await alice.SyncAsync());
        Assert.Empty(await bob.SyncAsync());
    }

    [Theory]
    [InlineData("BATCH +x chathistory bob", "INVALID_PARAMS")]
    [InlineData("BATCH +x draft/multiline", "MULTILINE_INVALID")]
    [InlineData("BATCH +a;b draft/multiline bob", "INVALID_REFTAG")]
    public async Task BadOpening_Fails(string line, string code)
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice", MultilineCaps);
        await alice.SendAsync(line);
        var fail = Assert.Single(await alice.SyncAsync());
        Assert.Equal(["BATCH", code], fail.Parameters.Take(2));
    }

    [Fact]
    public async Task Batch_FromOutsider_ToNoExternalChannel_IsRefusedOnce()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice", MultilineCaps);
        var bob = await server.ConnectRegisteredAsync("bob", MultilineCaps);
        await bob.SendAsync("JOIN #closed");
        await bob.SyncAsync();
        await SendBatchAsync(alice, "BATCH +123 draft/multiline #closed", "@batch=123 PRIVMSG #closed :a", "@batch=123 PRIVMSG #closed :b");
        var reply = Assert.Single(await alice.SyncAsync());
        Assert.Equal(Numerics.ERR_CANNOTSENDTOCHAN, reply.Command);
        Assert.Empty(await bob.SyncAsync());
    }

    [Fact]
    public async Task Batch_ToStatusMsg_ReachesOnlyOperators()
    {
        await using var server = new TestServer();
        var op = await server.ConnectRegisteredAsync("op", MultilineCaps);
        var alice = await server.ConnectRegisteredAsync("alice", MultilineCaps);
        await op.SendAsync("JOIN #s");
        await op.SyncAsync();
        var carl = await server.ConnectRegisteredAsync("carl", MultilineCaps);
        await alice.SendAsync("JOIN #s");
        await alice.SyncAsync();
        await carl.SendAsync("JOIN #s");
        await carl.SyncAsync();
        await op.SyncAsync();
        await SendBatchAsync(alice, "BATCH +1 draft/multiline @#s", "@batch=1 PRIVMSG @#s :psst", "@batch=1 PRIVMSG @#s :ops");
        await alice.SyncAsync();
        var got = await op.SyncAsync();
        Assert.Equal(["BATCH", "PRIVMSG", "PRIVMSG", "BATCH"], got.Select(m => m.Command));
        Assert.Equal("@#s", got[0].Parameters[2]);
        Assert.Equal("@#s", got[1].Parameters[0]);
        Assert.Empty(await carl.SyncAsync());
    }

    [Fact]
    public async Task BatchLines_SkipFloodControl_TheBatchIsBilledWhenItCloses()
    {
        var options = new ServerOptions { Flood = new FloodOptions { Burst = 4, PerSecond = 1 } };
        await using var server = new TestServer(options);
        var alice = await server.ConnectRegisteredAsync("alice", MultilineCaps);
        var bob = await server.ConnectRegisteredAsync("bob", "batch", "message-tags", "draft/multiline");
        alice.Session.Flood.Enabled = true;
        await alice.SendAsync("BATCH +1 draft/multiline bob");
        for (var i = 0; i < 20; i++)
        {
            await alice.SendAsync("@batch=1 PRIVMSG bob :line");
        }
        await alice.SendAsync("BATCH -1");
        // Twenty lines within a burst of four, and no clock advance: only the batch's own two lines counted.
        await bob.ExpectAsync(m => m.Command == "BATCH" && m.Parameters[0][0] == '-');
        Assert.True(alice.Session.Flood.Take() > TimeSpan.Zero, "the batch was billed to flood control");
    }
}
