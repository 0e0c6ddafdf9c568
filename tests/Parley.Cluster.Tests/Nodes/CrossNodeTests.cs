using Parley.Cluster.Tests.Infrastructure;

namespace Parley.Cluster.Tests.Nodes;

/// <summary>Two node processes: nicks are one namespace, and private messages cross nodes in order.</summary>
public sealed class CrossNodeTests(TwoNodeFixture nodes) : IClassFixture<TwoNodeFixture>
{
    private static bool IsWelcome(string line) => line.Contains(" 001 ", StringComparison.Ordinal);
    private static bool IsNickInUse(string line) => line.Contains(" 433 ", StringComparison.Ordinal);

    [Fact]
    public async Task TwoNodesRacingForOneNick_ExactlyOneWins_AndTheNickIsFreeAgainAfterItsQuit()
    {
        for (var round = 0; round < 5; round++)
        {
            var nick = $"racer{round}";
            await using var a = await IrcLineClient.ConnectAsync(nodes.One.Port);
            await using var b = await IrcLineClient.ConnectAsync(nodes.Two.Port);
            await Task.WhenAll(
                a.SendAsync($"NICK {nick}", "USER a 0 * :a"),
                b.SendAsync($"NICK {nick}", "USER b 0 * :b"));
            var answers = await Task.WhenAll(
                a.ExpectAsync(l => IsWelcome(l) || IsNickInUse(l)),
                b.ExpectAsync(l => IsWelcome(l) || IsNickInUse(l)));
            Assert.Single(answers, IsWelcome);
            Assert.Single(answers, IsNickInUse);
            var (winner, loser) = IsWelcome(answers[0]) ? (a, b) : (b, a);

            // Taken on the other node too, while the winner holds it; free once it quits.
            await loser.SendAsync($"NICK {nick}");
            await loser.ExpectAsync(IsNickInUse);
            await winner.SendAsync("QUIT :done");
            await winner.ExpectAsync(l => l.StartsWith("ERROR", StringComparison.Ordinal));
            await loser.SendAsync($"NICK {nick}");
            Assert.Contains($" 001 {nick} ", await loser.ExpectAsync(l => IsWelcome(l) || IsNickInUse(l)), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ANickFreedByAQuit_CanBeTakenOnTheOtherNodeAtOnce()
    {
        for (var round = 0; round < 10; round++)
        {
            var nick = $"swap{round}";
            var (from, to) = round % 2 == 0 ? (nodes.One, nodes.Two) : (nodes.Two, nodes.One);
            await using var holder = await IrcLineClient.RegisterAsync(from.Port, nick);
            await holder.SendAsync("QUIT");
            await holder.ExpectAsync(l => l.StartsWith("ERROR", StringComparison.Ordinal));
            // The release may still be on its way: the nick grain asks the holder's node.
            await using var taker = await IrcLineClient.ConnectAsync(to.Port);
            await taker.SendAsync($"NICK {nick}", "USER t 0 * :t");
            Assert.Contains($" 001 {nick} ", await taker.ExpectAsync(l => IsWelcome(l) || IsNickInUse(l)), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task PrivateMessages_CrossNodes_InTheOrderSent_BothWays()
    {
        await using var alice = await IrcLineClient.RegisterAsync(nodes.One.Port, "alice");
        await using var bob = await IrcLineClient.RegisterAsync(nodes.Two.Port, "bob");
        const int count = 100;
        await alice.SendAsync([.. Enumerable.Range(0, count).Select(i => $"PRIVMSG bob :hello {i}")]);
        for (var i = 0; i < count; i++)
        {
            var line = await bob.ExpectAsync(l => l.Contains(" PRIVMSG bob ", StringComparison.Ordinal));
            Assert.StartsWith(":alice!", line, StringComparison.Ordinal);
            Assert.EndsWith($":hello {i}", line, StringComparison.Ordinal);
        }
        await bob.SendAsync("NOTICE alice :got them", "PRIVMSG alice :thanks");
        Assert.EndsWith(" NOTICE alice :got them", await alice.ExpectAsync(l => l.Contains(" NOTICE alice ", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Matches(@"^:bob!\S+ PRIVMSG alice :?thanks$", await alice.ExpectAsync(l => l.Contains(" PRIVMSG alice ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Accounts_MadeWithTheCli_LogInOnEveryNode_AndHistoryWrittenOnOneNodeIsReadOnTheOther()
    {
        var (code, error) = await NodeProcess.RunToEndAsync(TimeSpan.FromSeconds(60),
            "account", "create", "gina", "--password", "sesame", "--cluster", nodes.ConnectionString);
        Assert.True(code == 0, error);
        var (listed, _) = await NodeProcess.RunToEndAsync(TimeSpan.FromSeconds(60), "account", "list", "--cluster", nodes.ConnectionString);
        Assert.Equal(0, listed);

        await using var hank = await IrcLineClient.RegisterAsync(nodes.Two.Port, "hank");
        await using (var gina = await IrcLineClient.LoginAsync(nodes.One.Port, "gina", "gina", "sesame"))
        {
            await gina.SendAsync("PRIVMSG hank :written on node one");
            await hank.ExpectAsync(l => l.Contains("written on node one", StringComparison.Ordinal));
            await gina.SendAsync("QUIT");
            await gina.ExpectAsync(l => l.StartsWith("ERROR", StringComparison.Ordinal));
        }

        // The same account on the other node reads its side of the conversation.
        await using var again = await IrcLineClient.LoginAsync(nodes.Two.Port, "gina", "gina", "sesame", "draft/chathistory batch server-time message-tags");
        await again.SendAsync("CHATHISTORY LATEST hank * 10");
        var line = await again.ExpectAsync(l => l.Contains(" PRIVMSG hank ", StringComparison.Ordinal) || l.StartsWith("BATCH -", StringComparison.Ordinal) || l.Contains("BATCH -", StringComparison.Ordinal));
        Assert.Contains(":gina!", line, StringComparison.Ordinal);
        Assert.Contains("written on node one", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Multiclient_OnOneNode_SharesTheNick_AndBothConnectionsGetItsMessages()
    {
        var (code, error) = await NodeProcess.RunToEndAsync(TimeSpan.FromSeconds(60),
            "account", "create", "ivy", "--password", "sesame", "--cluster", nodes.ConnectionString);
        Assert.True(code == 0, error);
        await using var first = await IrcLineClient.LoginAsync(nodes.One.Port, "ivy", "ivy", "sesame");
        // The second connection asks for the nick the first holds: on the same node it attaches
        // (the nick grain already knows the nick as this node's user's).
        await using var second = await IrcLineClient.LoginAsync(nodes.One.Port, "ivy", "ivy", "sesame");
        await using var jay = await IrcLineClient.RegisterAsync(nodes.Two.Port, "jay");

        await jay.SendAsync("PRIVMSG ivy :to both");
        Assert.Contains(" PRIVMSG ivy :to both", await first.ExpectAsync(l => l.Contains(" PRIVMSG ivy ", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains(" PRIVMSG ivy :to both", await second.ExpectAsync(l => l.Contains(" PRIVMSG ivy ", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OneAddress_HasOneCloakedHost_OnEveryNode()
    {
        await using var one = await IrcLineClient.ConnectAsync(nodes.One.Port);
        await using var two = await IrcLineClient.ConnectAsync(nodes.Two.Port);
        await one.SendAsync("NICK cloak1", "USER c 0 * :c");
        await two.SendAsync("NICK cloak2", "USER c 0 * :c");
        static string Host(string welcome) => welcome[(welcome.LastIndexOf('@') + 1)..];
        var host1 = Host(await one.ExpectAsync(l => l.Contains(" 001 ", StringComparison.Ordinal)));
        var host2 = Host(await two.ExpectAsync(l => l.Contains(" 001 ", StringComparison.Ordinal)));
        Assert.EndsWith(".parley", host1, StringComparison.Ordinal);
        Assert.Equal(host1, host2);
    }

    [Fact]
    public async Task Whois_OfAUserOnTheOtherNode_NamesThatNode()
    {
        await using var ivy = await IrcLineClient.RegisterAsync(nodes.Two.Port, "ivy");
        await ivy.SendAsync("AWAY :out", "SETNAME :Ivy Green");
        await ivy.ExpectAsync(l => l.Contains(" 306 ", StringComparison.Ordinal));
        await using var jack = await IrcLineClient.RegisterAsync(nodes.One.Port, "jack");
        await jack.SendAsync("WHOIS ivy");
        var lines = new List<string>();
        string line;
        while (!(line = await jack.ReadAsync()).Contains(" 318 ", StringComparison.Ordinal))
        {
            lines.Add(line);
        }
        Assert.Contains(lines, l => l.Contains(" 312 jack ivy two.parley.test ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(" 311 jack ivy ", StringComparison.Ordinal));
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, " 301 jack ivy :?out$"));
        Assert.DoesNotContain(lines, l => l.Contains(" 401 ", StringComparison.Ordinal));

        await jack.SendAsync("WHOIS nobody_anywhere");
        Assert.Contains(" 401 ", await jack.ExpectAsync(l => l.Contains(" 401 ", StringComparison.Ordinal) || l.Contains(" 318 ", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Multiclient_ASecondConnectionOfTheAccountOnTheSameNode_Attaches()
    {
        await using (var db = await Storage.PostgresDatabase.OpenAsync(nodes.ConnectionString))
        using (var accounts = await Storage.PostgresAccountStore.OpenAsync(db, null, TimeProvider.System, iterations: 4096))
        {
            Assert.Equal(Parley.Server.Storage.AccountResult.Ok, await accounts.CreateAsync("kim", "sesame"));
        }
        await using var first = await IrcLineClient.LoginAsync(nodes.One.Port, "kim", "kim", "sesame");
        await using var second = await IrcLineClient.LoginAsync(nodes.One.Port, "kim", "kim", "sesame");
        await using var lee = await IrcLineClient.RegisterAsync(nodes.Two.Port, "lee");
        await lee.SendAsync("PRIVMSG kim :to both");
        Assert.EndsWith("to both", await first.ExpectAsync(l => l.Contains(" PRIVMSG kim ", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.EndsWith("to both", await second.ExpectAsync(l => l.Contains(" PRIVMSG kim ", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    /// <summary>
    /// Issue 9's done-means: one account logged in on two nodes shares one nick and gets its
    /// messages on both; what one connection sends the other sees; messages are kept offline
    /// only once no node has a session.
    /// </summary>
    [Fact]
    public async Task Multiclient_AcrossNodes_OneAccountOnBothNodes_GetsItsMessagesOnBoth()
    {
        await using (var db = await Storage.PostgresDatabase.OpenAsync(nodes.ConnectionString))
        using (var accounts = await Storage.PostgresAccountStore.OpenAsync(db, null, TimeProvider.System, iterations: 4096))
        {
            Assert.Equal(Parley.Server.Storage.AccountResult.Ok, await accounts.CreateAsync("zoe", "sesame"));
        }
        var first = await IrcLineClient.LoginAsync(nodes.One.Port, "zoe", "zoe", "sesame");
        // On the other node the nick is held by the account's user: this connection attaches as zoe.
        var second = await IrcLineClient.ConnectAsync(nodes.Two.Port);
        await second.SendAsync("CAP REQ :sasl", "NICK zoe", "USER zoe 0 * :zoe");
        await second.ExpectAsync(l => l.Contains(" ACK ", StringComparison.Ordinal));
        await second.SendAsync("AUTHENTICATE PLAIN");
        await second.ExpectAsync(l => l.EndsWith("AUTHENTICATE +", StringComparison.Ordinal));
        await second.SendAsync("AUTHENTICATE " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("\0zoe\0sesame")), "CAP END");
        Assert.Contains(" 001 zoe ", await second.ExpectAsync(l => l.Contains(" 001 ", StringComparison.Ordinal) || l.Contains(" 433 ", StringComparison.Ordinal)), StringComparison.Ordinal);

        await using var uma = await IrcLineClient.RegisterAsync(nodes.One.Port, "uma");
        await using var vic = await IrcLineClient.RegisterAsync(nodes.Two.Port, "vic");
        // From node one (where the first session is) and from node two (the second's): both sessions get each.
        await uma.SendAsync("PRIVMSG zoe :from one");
        await vic.SendAsync("PRIVMSG zoe :from two");
        foreach (var session in new[] { first, second })
        {
            var got = new[]
            {
                await session.ExpectAsync(l => l.Contains(" PRIVMSG zoe ", StringComparison.Ordinal)),
                await session.ExpectAsync(l => l.Contains(" PRIVMSG zoe ", StringComparison.Ordinal)),
            };
            Assert.Contains(got, l => l.StartsWith(":uma!", StringComparison.Ordinal) && l.EndsWith("from one", StringComparison.Ordinal));
            Assert.Contains(got, l => l.StartsWith(":vic!", StringComparison.Ordinal) && l.EndsWith("from two", StringComparison.Ordinal));
        }

        // What one session sends, the other (on the other node) sees.
        await first.SendAsync("PRIVMSG vic :sent on one");
        Assert.EndsWith("sent on one", await vic.ExpectAsync(l => l.Contains(" PRIVMSG vic ", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Matches(@"^:zoe!\S+ PRIVMSG vic :?sent on one$", await second.ExpectAsync(l => l.Contains(" PRIVMSG vic ", StringComparison.Ordinal)));

        // The first session leaves: the second still has the nick and its messages, nothing is kept offline.
        await first.SendAsync("QUIT");
        await first.DisposeAsync();
        await uma.SendAsync("PRIVMSG zoe :still here?");
        Assert.EndsWith("still here?", await second.ExpectAsync(l => l.Contains(" PRIVMSG zoe ", StringComparison.Ordinal)), StringComparison.Ordinal);

        // The last session leaves: now the account is offline, and its messages are kept.
        await second.SendAsync("QUIT");
        await second.DisposeAsync();
        // Until node two has let the nick go, the message may still reach the closing session: then again.
        string answer;
        var tries = 0;
        do
        {
            Assert.True(++tries <= 50, "the nick was never free");
            await uma.SendAsync("PRIVMSG zoe :while you were out", "PING :offline-check");
            answer = await uma.ExpectAsync(l => l.Contains(" 301 ", StringComparison.Ordinal) || l.Contains(" 401 ", StringComparison.Ordinal) || l.Contains("offline-check", StringComparison.Ordinal));
            if (!answer.Contains("offline-check", StringComparison.Ordinal))
            {
                await uma.ExpectAsync(l => l.Contains("offline-check", StringComparison.Ordinal));
            }
        }
        while (answer.Contains("offline-check", StringComparison.Ordinal));
        Assert.Contains(" 301 uma zoe ", answer, StringComparison.Ordinal);
        Assert.Contains("offline", answer, StringComparison.Ordinal);
        await using var back = await IrcLineClient.LoginAsync(nodes.Two.Port, "zoe", "zoe", "sesame");
        Assert.EndsWith("while you were out", await back.ExpectAsync(l => l.Contains(" PRIVMSG zoe ", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    /// <summary>
    /// Multiclient across nodes: a NICK on one node renames the account's user on the other
    /// (its connection sees the NICK), messages to the new nick reach both, the old nick is free.
    /// </summary>
    [Fact]
    public async Task Multiclient_AcrossNodes_ANickChangeOnOneNode_RenamesTheAccountsUserOnTheOther()
    {
        await using (var db = await Storage.PostgresDatabase.OpenAsync(nodes.ConnectionString))
        using (var accounts = await Storage.PostgresAccountStore.OpenAsync(db, null, TimeProvider.System, iterations: 4096))
        {
            Assert.Equal(Parley.Server.Storage.AccountResult.Ok, await accounts.CreateAsync("yan", "sesame"));
        }
        await using var first = await IrcLineClient.LoginAsync(nodes.One.Port, "yan", "yan", "sesame");
        // On the other node the nick is held by the account's user: this connection attaches as yan.
        await using var second = await IrcLineClient.LoginAsync(nodes.Two.Port, "yan", "yan", "sesame");
        await using var wes = await IrcLineClient.RegisterAsync(nodes.One.Port, "wes");
        await using var xia = await IrcLineClient.RegisterAsync(nodes.Two.Port, "xia");

        // Renamed on node one: the session on node two follows.
        await first.SendAsync("NICK yan_away");
        Assert.Matches(@"^:yan!\S+ NICK :?yan_away$", await first.ExpectAsync(l => l.Contains(" NICK ", StringComparison.Ordinal)));
        Assert.Matches(@"^:yan!\S+ NICK :?yan_away$", await second.ExpectAsync(l => l.Contains(" NICK ", StringComparison.Ordinal)));
        // The new nick reaches both sessions, from either node; the old one is nobody's now.
        await wes.SendAsync("PRIVMSG yan_away :from one");
        await xia.SendAsync("PRIVMSG yan_away :from two");
        foreach (var session in new[] { first, second })
        {
            var got = new[]
            {
                await session.ExpectAsync(l => l.Contains(" PRIVMSG yan_away ", StringComparison.Ordinal)),
                await session.ExpectAsync(l => l.Contains(" PRIVMSG yan_away ", StringComparison.Ordinal)),
            };
            Assert.Contains(got, l => l.StartsWith(":wes!", StringComparison.Ordinal) && l.EndsWith("from one", StringComparison.Ordinal));
            Assert.Contains(got, l => l.StartsWith(":xia!", StringComparison.Ordinal) && l.EndsWith("from two", StringComparison.Ordinal));
        }
        await wes.SendAsync("ISON yan yan_away");
        Assert.Matches(@" 303 wes :?yan_away$", await wes.ExpectAsync(l => l.Contains(" 303 ", StringComparison.Ordinal)));
        await xia.SendAsync("ISON yan yan_away");
        Assert.Matches(@" 303 xia :?yan_away$", await xia.ExpectAsync(l => l.Contains(" 303 ", StringComparison.Ordinal)));

        // And back, from node two this time.
        await second.SendAsync("NICK yan");
        Assert.Matches(@"^:yan_away!\S+ NICK :?yan$", await second.ExpectAsync(l => l.Contains(" NICK ", StringComparison.Ordinal)));
        Assert.Matches(@"^:yan_away!\S+ NICK :?yan$", await first.ExpectAsync(l => l.Contains(" NICK ", StringComparison.Ordinal)));
        await wes.SendAsync("PRIVMSG yan :back");
        Assert.EndsWith("back", await first.ExpectAsync(l => l.Contains(" PRIVMSG yan ", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.EndsWith("back", await second.ExpectAsync(l => l.Contains(" PRIVMSG yan ", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ison_FindsUsersOnBothNodes()
    {
        await using var mia = await IrcLineClient.RegisterAsync(nodes.One.Port, "mia");
        await using var ned = await IrcLineClient.RegisterAsync(nodes.Two.Port, "Ned");
        await mia.SendAsync("ISON mia ned nobody_at_all");
        Assert.Matches(@" 303 mia :?mia Ned$", await mia.ExpectAsync(l => l.Contains(" 303 ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Links_ListsTheOtherNode()
    {
        await using var frank = await IrcLineClient.RegisterAsync(nodes.One.Port, "frank");
        await frank.SendAsync("LINKS");
        var links = new List<string>();
        string line;
        while (!(line = await frank.ReadAsync()).Contains(" 365 ", StringComparison.Ordinal))
        {
            if (line.Contains(" 364 ", StringComparison.Ordinal))
            {
                links.Add(line);
            }
        }
        Assert.Contains(links, l => l.Contains(" 364 frank one.parley.test one.parley.test :0 ", StringComparison.Ordinal));
        Assert.Contains(links, l => l.Contains(" 364 frank two.parley.test one.parley.test :1 Parley cluster node", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PrivateMessage_ToANickNoNodeHas_Is401()
    {
        await using var carol = await IrcLineClient.RegisterAsync(nodes.One.Port, "carol");
        await carol.SendAsync("PRIVMSG nobody_here :hi");
        Assert.Contains(" 401 carol nobody_here ", await carol.ExpectAsync(l => l.Contains(" 401 ", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PrivateMessage_ToAnAwayUserOnAnotherNode_GetsRplAway()
    {
        await using var dave = await IrcLineClient.RegisterAsync(nodes.Two.Port, "dave");
        await dave.SendAsync("AWAY :lunch");
        await dave.ExpectAsync(l => l.Contains(" 306 ", StringComparison.Ordinal));
        await using var erin = await IrcLineClient.RegisterAsync(nodes.One.Port, "erin");
        await erin.SendAsync("PRIVMSG dave :there?");
        Assert.Matches(@" 301 erin dave :?lunch$", await erin.ExpectAsync(l => l.Contains(" 301 ", StringComparison.Ordinal)));
        Assert.Matches(@"^:erin!\S+ PRIVMSG dave :?there\?$", await dave.ExpectAsync(l => l.Contains(" PRIVMSG dave ", StringComparison.Ordinal)));
    }
}
