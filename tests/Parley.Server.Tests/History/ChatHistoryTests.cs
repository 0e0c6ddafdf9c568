using Parley.Protocol;
using Parley.Server.Hosting;
using Parley.Server.Tests.Infrastructure;

namespace Parley.Server.Tests.History;

public sealed class ChatHistoryTests
{
    private static readonly string[] Caps = ["batch", "server-time", "message-tags", "echo-message", "draft/chathistory"];

    /// <summary>The PRIVMSG texts of the chathistory batch in <paramref name="lines"/>, checking the batch's shape.</summary>
    private static List<string> BatchTexts(List<IrcMessage> lines, string target, string command = "PRIVMSG")
    {
        Assert.Equal("BATCH", lines[0].Command);
        Assert.Equal(["chathistory", target], lines[0].Parameters.Skip(1));
        var id = lines[0].Parameters[0][1..];
        Assert.Equal(["-" + id], lines[^1].Parameters);
        Assert.All(lines[1..^1], l => Assert.Equal(id, l.GetTag("batch")));
        return [.. lines[1..^1].Where(l => l.Command == command).Select(l => l.Parameters[^1])];
    }

    private static async Task<List<string>> SayAsync(TestServer server, TestClient c, string target, int n)
    {
        var msgids = new List<string>();
        for (var i = 0; i < n; i++)
        {
            server.Time.Advance(TimeSpan.FromMilliseconds(10));
            await c.SendAsync($"PRIVMSG {target} :message {i}");
            msgids.Add((await c.ExpectAsync("PRIVMSG")).GetTag("msgid")!);
        }
        return msgids;
    }

    [Fact]
    public async Task MessagesPastMaxAge_AreNotReturned_BeforeAnyPrune()
    {
        // The pruner runs at start and then hourly: within the hour only the read-time limit hides them.
        await using var server = new TestServer(new ServerOptions { History = new HistoryOptions { MaxAge = TimeSpan.FromMinutes(1) } });
        var alice = await server.ConnectRegisteredAsync("alice", Caps);
        await alice.SendAsync("JOIN #c");
        await alice.SyncAsync();
        await SayAsync(server, alice, "#c", 1);
        server.Time.Advance(TimeSpan.FromSeconds(50));
        await SayAsync(server, alice, "#c", 1);
        await alice.SendAsync("CHATHISTORY LATEST #c * 10");
        Assert.Equal(["message 0", "message 0"], BatchTexts(await alice.SyncAsync(), "#c"));

        server.Time.Advance(TimeSpan.FromSeconds(30));
        await alice.SendAsync("CHATHISTORY LATEST #c * 10");
        Assert.Single(BatchTexts(await alice.SyncAsync(), "#c"));
        server.Time.Advance(TimeSpan.FromMinutes(1));
        await alice.SendAsync("CHATHISTORY LATEST #c * 10");
        Assert.Empty(BatchTexts(await alice.SyncAsync(), "#c"));
    }

    [Fact]
    public async Task Channel_SelectorsAndDirections_AsTheSpecSays()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice", Caps);
        await alice.SendAsync("JOIN #c");
        await alice.SyncAsync();
        var ids = await SayAsync(server, alice, "#c", 10);

        async Task<List<string>> Ask(string line)
        {
            await alice.SendAsync(line);
            return BatchTexts(await alice.SyncAsync(), "#c");
        }
        static string[] M(params int[] i) => [.. i.Select(x => "message " + x)];

        Assert.Equal(M(7, 8, 9), await Ask("CHATHISTORY LATEST #c * 3"));
        Assert.Equal(M(5, 6, 7, 8, 9), await Ask($"CHATHISTORY LATEST #c msgid={ids[4]} 100"));
        Assert.Equal(M(4, 5), await Ask($"CHATHISTORY BEFORE #c msgid={ids[6]} 2"));
        Assert.Equal(M(4, 5, 6), await Ask($"CHATHISTORY AFTER #c msgid={ids[3]} 3"));
        Assert.Equal(M(6, 7, 8), await Ask($"CHATHISTORY AROUND #c msgid={ids[7]} 3"));
        Assert.Equal(M(1, 2, 3), await Ask($"CHATHISTORY BETWEEN #c msgid={ids[0]} msgid={ids[9]} 3"));
        Assert.Equal(M(6, 7, 8), await Ask($"CHATHISTORY BETWEEN #c msgid={ids[9]} msgid={ids[0]} 3"));

        await alice.SendAsync($"CHATHISTORY LATEST #c msgid={ids[4]} 1");
        var stamped = (await alice.SyncAsync())[1];
        var time = stamped.GetTag("time");
        Assert.Equal(ids[9], stamped.GetTag("msgid"));
        Assert.Equal(M(8), await Ask($"CHATHISTORY BEFORE #c timestamp={time} 1"));
    }

    [Fact]
    public async Task Channel_NotAMember_GetsInvalidTarget()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice", Caps);
        var bob = await server.ConnectRegisteredAsync("bob", Caps);
        await bob.SendAsync("JOIN #c");
        await bob.SyncAsync();
        await alice.SendAsync("CHATHISTORY LATEST #c * 10");
        var fail = await alice.ExpectAsync("FAIL");
        Assert.Equal(["CHATHISTORY", "INVALID_TARGET", "LATEST", "#c"], fail.Parameters.Take(4));
    }

    [Fact]
    public async Task EventPlayback_AddsChannelEvents_AndTagmsg()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice", [.. Caps, "draft/event-playback"]);
        var bob = await server.ConnectRegisteredAsync("bob", Caps);
        await alice.SendAsync("JOIN #c");
        await alice.SyncAsync();
        await bob.SendAsync("JOIN #c");
        await bob.SendAsync("TOPIC #c :hello");
        await bob.SendAsync("PRIVMSG #c :hi");
        await bob.SendAsync("PART #c :bye");
        await bob.SyncAsync();
        await alice.SyncAsync();

        await alice.SendAsync("CHATHISTORY LATEST #c * 10");
        var lines = await alice.SyncAsync();
        Assert.Equal(["JOIN", "JOIN", "PRIVMSG", "PART"], lines[1..^1].Select(l => l.Command));
        await bob.SendAsync("JOIN #c");
        await bob.SyncAsync();
        await bob.SendAsync("CHATHISTORY LATEST #c * 10");
        Assert.Equal(["hi"], BatchTexts(await bob.SyncAsync(), "#c"));
    }

    [Fact]
    public async Task PrivateMessages_AreInBothSidesHistory_AndNotAfterReconnectingWithoutAccount()
    {
        await using var server = new TestServer();
        await server.CreateAccountAsync("alice", "sesame");
        var alice = await server.ConnectRegisteredAsync("alice", Caps);
        await alice.SendAsync("PRIVMSG NickServ :IDENTIFY sesame");
        await alice.SyncAsync();
        var bob = await server.ConnectRegisteredAsync("bob", Caps);
        await alice.SendAsync("PRIVMSG bob :hello bob");
        await alice.SyncAsync();
        await bob.SendAsync("PRIVMSG alice :hello alice");
        await bob.SyncAsync();
        await alice.SyncAsync();

        await alice.SendAsync("CHATHISTORY LATEST BOB * 10");
        Assert.Equal(["hello bob", "hello alice"], BatchTexts(await alice.SyncAsync(), "BOB"));
        await bob.SendAsync("CHATHISTORY LATEST alice * 10");
        Assert.Equal(["hello bob", "hello alice"], BatchTexts(await bob.SyncAsync(), "alice"));

        // A new connection with bob's nick and no account does not see the old bob's conversation.
        await bob.SendAsync("QUIT");
        await bob.ReadUntilClosedAsync();
        var bob2 = await server.ConnectRegisteredAsync("bob", Caps);
        await bob2.SendAsync("CHATHISTORY LATEST alice * 10");
        Assert.Empty(BatchTexts(await bob2.SyncAsync(), "alice"));

        await alice.SendAsync("CHATHISTORY TARGETS timestamp=2020-01-01T00:00:00.000Z timestamp=2100-01-01T00:00:00.000Z 10");
        var targets = await alice.SyncAsync();
        Assert.Equal(["draft/chathistory-targets"], targets[0].Parameters.Skip(1));
        Assert.Equal("bob", Assert.Single(targets, l => l.Command == "CHATHISTORY").Parameters[1]);
    }

    [Fact]
    public async Task Ordering_ACommandsRepliesComeAfterWhatWasSequencedBefore()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice", Caps);
        var bob = await server.ConnectRegisteredAsync("bob", Caps);
        await alice.SendAsync("JOIN #c");
        await alice.SyncAsync();
        await bob.SendAsync("JOIN #c");
        await bob.SyncAsync();
        await alice.SyncAsync();
        for (var i = 0; i < 20; i++)
        {
            await alice.SendAsync($"PRIVMSG #c :m{i}");
        }
        await bob.SendAsync("PART #c");
        var bobSaw = (await bob.SyncAsync()).Where(l => l.Command is "PRIVMSG" or "PART").Select(l => l.Command + " " + l.Parameters[^1]).ToList();
        var aliceSaw = (await alice.SyncAsync()).Where(l => l.Command is "PRIVMSG" or "PART").Select(l => l.Command + " " + l.Parameters[^1]).ToList();
        // Bob's PART comes after every message he received (a message sequenced while his PART
        // command had begun but before the PART itself reaches him before his echo, as it
        // reaches Alice before the PART), and Alice received the same ones first.
        Assert.Equal("PART #c", bobSaw[^1]);
        var received = bobSaw.Count - 1;
        Assert.Equal(bobSaw, aliceSaw.Take(received).Append("PART #c"));
        Assert.Equal(bobSaw[..^1], aliceSaw[..received]);
    }

    [Fact]
    public async Task Redact_RemovesFromHistory_AndTellsThoseWithTheCap()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice", [.. Caps, "draft/message-redaction"]);
        var bob = await server.ConnectRegisteredAsync("bob", [.. Caps, "draft/message-redaction"]);
        await alice.SendAsync("JOIN #c");
        await alice.SyncAsync();
        await bob.SendAsync("JOIN #c");
        await bob.SyncAsync();
        var ids = await SayAsync(server, bob, "#c", 2);
        await bob.SendAsync($"REDACT #c {ids[0]}");
        Assert.Equal(["#c", ids[0]], (await bob.ExpectAsync("REDACT")).Parameters);
        Assert.Equal(["#c", ids[0]], (await alice.ExpectAsync("REDACT")).Parameters);
        // Bob is no operator: Alice's message is not his to redact.
        await alice.SendAsync("PRIVMSG #c :mine");
        var mine = (await alice.ExpectAsync("PRIVMSG")).GetTag("msgid")!;
        await bob.SyncAsync();
        await bob.SendAsync($"REDACT #c {mine} :no");
        Assert.Equal(["REDACT", "REDACT_FORBIDDEN", "#c", mine], (await bob.ExpectAsync("FAIL")).Parameters.Take(4));
        await alice.SendAsync("CHATHISTORY LATEST #c * 10");
        Assert.Equal(["message 1", "mine"], BatchTexts(await alice.SyncAsync(), "#c"));
    }

    [Fact]
    public async Task OfflineAccount_GetsWhatItMissed_AtLogin()
    {
        await using var server = new TestServer();
        await server.CreateAccountAsync("bob", "sesame");
        var alice = await server.ConnectRegisteredAsync("alice", Caps);
        await alice.SendAsync("PRIVMSG bob :are you there?");
        await alice.SendAsync("PRIVMSG bob :call me");
        var replies = await alice.SyncAsync();
        Assert.Equal(2, replies.Count(l => l.Command == Numerics.RPL_AWAY));
        Assert.DoesNotContain(replies, l => l.Command == Numerics.ERR_NOSUCHNICK);
        await alice.SendAsync("PRIVMSG nobody :hello");
        Assert.Contains(await alice.SyncAsync(), l => l.Command == Numerics.ERR_NOSUCHNICK);

        var bob = await server.ConnectRegisteredAsync("bob", "server-time");
        await bob.SendAsync("PRIVMSG NickServ :IDENTIFY sesame");
        var got = (await bob.SyncAsync()).Where(l => l.Source is not null and not TestServer.Name).ToList();
        var notice = Assert.Single(got, l => l.Command == "NOTICE" && l.Parameters[1].Contains("offline", StringComparison.Ordinal));
        Assert.Equal("You have 2 messages that arrived while you were offline.", notice.Parameters[1]);
        Assert.Equal(["are you there?", "call me"], got.Where(l => l.Command == "PRIVMSG").Select(l => l.Parameters[1]));
        Assert.True(got.IndexOf(notice) < got.FindIndex(l => l.Command == "PRIVMSG"));

        // Taken once.
        await bob.SendAsync("PRIVMSG NickServ :LOGOUT");
        await bob.SendAsync("PRIVMSG NickServ :IDENTIFY sesame");
        Assert.DoesNotContain(await bob.SyncAsync(), l => l.Command == "PRIVMSG");
    }

    [Fact]
    public async Task OfflineAccount_LoggingInWithSasl_GetsThemAfterTheWelcome()
    {
        await using var server = new TestServer();
        await server.CreateAccountAsync("bob", "sesame");
        var alice = await server.ConnectRegisteredAsync("alice", Caps);
        await alice.SendAsync("PRIVMSG bob :while you were out");
        await alice.SyncAsync();

        var bob = await Accounts.Sasl.ConnectLoggedInAsync(server, "bob", "bob", "sesame", "server-time", "message-tags");
        var after = await bob.SyncAsync();
        Assert.Equal(["NOTICE", "PRIVMSG"], after.Select(l => l.Command));
        Assert.Equal("You have 1 message that arrived while you were offline.", after[0].Parameters[1]);
        Assert.StartsWith("NickServ!NickServ@", after[0].Source, StringComparison.Ordinal);
        var replayed = after[1];
        Assert.Equal(["bob", "while you were out"], replayed.Parameters);
        Assert.StartsWith("alice!", replayed.Source, StringComparison.Ordinal);
        Assert.NotNull(replayed.GetTag("msgid"));
        Assert.NotNull(replayed.GetTag("time"));

        // And it is in both sides' history.
        await bob.SendAsync("CAP REQ :batch draft/chathistory");
        await bob.SyncAsync();
        await bob.SendAsync("CHATHISTORY LATEST alice * 10");
        Assert.Equal(["while you were out"], BatchTexts(await bob.SyncAsync(), "alice"));
    }

    [Fact]
    public async Task ReadMarker_SetOnlyMovesForward_AndComesWithJoinBeforeEndOfNames()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice", "draft/read-marker");
        await alice.SendAsync("MARKREAD #c");
        Assert.Equal(["#c", "*"], (await alice.ExpectAsync("MARKREAD")).Parameters);
        await alice.SendAsync("MARKREAD #c timestamp=2026-01-02T03:04:05.678Z");
        Assert.Equal(["#c", "timestamp=2026-01-02T03:04:05.678Z"], (await alice.ExpectAsync("MARKREAD")).Parameters);
        await alice.SendAsync("MARKREAD #C timestamp=2025-01-01T00:00:00.000Z");
        Assert.Equal(["#C", "timestamp=2026-01-02T03:04:05.678Z"], (await alice.ExpectAsync("MARKREAD")).Parameters);
        await alice.SendAsync("MARKREAD #c *");
        Assert.Equal(["MARKREAD", "INVALID_PARAMS"], (await alice.ExpectAsync("FAIL")).Parameters.Take(2));

        await alice.SendAsync("JOIN #c");
        var burst = (await alice.SyncAsync()).Select(l => l.Command).ToList();
        Assert.True(burst.IndexOf("MARKREAD") is var i && i > 0 && i < burst.IndexOf(Numerics.RPL_ENDOFNAMES), string.Join(' ', burst));
    }

    [Fact]
    public async Task HistoryOff_NoCapsNoCommand_AndOfflineNicksGet401()
    {
        await using var server = new TestServer(new ServerOptions { History = new HistoryOptions { Enabled = false } });
        await server.CreateAccountAsync("bob", "sesame");
        var c = server.Connect();
        await c.SendAsync("CAP LS 302");
        var ls = await c.ExpectAsync("CAP");
        Assert.DoesNotContain("draft/chathistory", ls.Parameters[^1], StringComparison.Ordinal);
        await c.SendAsync("CAP END");
        await c.RegisterAsync("alice");
        await c.SendAsync("CHATHISTORY LATEST #c * 10");
        Assert.Contains(await c.SyncAsync(), l => l.Command == Numerics.ERR_UNKNOWNCOMMAND);
        await c.SendAsync("PRIVMSG bob :hi");
        Assert.Contains(await c.SyncAsync(), l => l.Command == Numerics.ERR_NOSUCHNICK);
    }
}
