using Parley.Cluster.Tests.Infrastructure;

namespace Parley.Cluster.Tests.Nodes;

/// <summary>
/// Multiclient across nodes in channels (issue 9; docs/cluster.md, "One account on several
/// nodes"), with two node processes: one account logged in on both is one channel member.
/// </summary>
public sealed class AccountAcrossNodesTests(TwoNodeFixture nodes) : IClassFixture<TwoNodeFixture>
{
    private static bool Has(string line, string part) => line.Contains(part, StringComparison.Ordinal);

    private async Task CreateAccountAsync(string name)
    {
        await using var db = await Storage.PostgresDatabase.OpenAsync(nodes.ConnectionString);
        using var accounts = await Storage.PostgresAccountStore.OpenAsync(db, null, TimeProvider.System, iterations: 4096);
        Assert.Equal(Parley.Server.Storage.AccountResult.Ok, await accounts.CreateAsync(name, "sesame"));
    }

    /// <summary>Reads lines until one matches; returns them all, that one last.</summary>
    private static async Task<List<string>> ReadUntilAsync(IrcLineClient client, Func<string, bool> match)
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await client.ReadAsync();
            lines.Add(line);
            if (match(line))
            {
                return lines;
            }
        }
    }

    /// <summary>NAMES of <paramref name="channel"/> as <paramref name="client"/> sees it: the nicks (prefixes stripped), and every line read on the way.</summary>
    private static async Task<(List<string> Nicks, List<string> Lines)> NamesAsync(IrcLineClient client, string channel)
    {
        await client.SendAsync($"NAMES {channel}");
        var lines = await ReadUntilAsync(client, l => Has(l, " 366 "));
        var nicks = lines.Where(l => Has(l, " 353 "))
            .SelectMany(l => l[(l.IndexOf(" :", l.IndexOf(" 353 ", StringComparison.Ordinal), StringComparison.Ordinal) + 2)..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(n => n.TrimStart('@', '+', '%', '~', '&'))
            .ToList();
        return (nicks, lines);
    }

    /// <summary>
    /// The account is on a channel through node one; it logs in on node two too: that connection
    /// is shown the channel as a JOIN would (JOIN, topic, NAMES), gets its lines, and speaks and
    /// parts as the same member: one nick in NAMES on both nodes, no JOIN seen by the others, its
    /// message echoed to the account's connection on node one, its PART seen by all.
    /// </summary>
    [Fact]
    public async Task TheAccountLoggingInOnAnotherNode_IsShownItsChannels_AndActsAsTheSameMember()
    {
        await CreateAccountAsync("ada");
        await using var first = await IrcLineClient.LoginAsync(nodes.One.Port, "ada", "ada", "sesame");
        await first.SendAsync("JOIN #shared", "TOPIC #shared :the topic");
        await first.ExpectAsync(l => Has(l, " TOPIC #shared "));
        await using var carl = await IrcLineClient.RegisterAsync(nodes.One.Port, "carl");
        await using var bob = await IrcLineClient.RegisterAsync(nodes.Two.Port, "bob");
        await carl.SendAsync("JOIN #shared");
        await carl.ExpectAsync(l => Has(l, " 366 "));
        await bob.SendAsync("JOIN #shared");
        await bob.ExpectAsync(l => Has(l, " 366 "));
        await first.ExpectAsync(l => Has(l, ":bob!") && Has(l, " JOIN "));

        // Node two: the nick is held by the account's user on node one, so this connection attaches.
        await using var second = await IrcLineClient.LoginAsync(nodes.Two.Port, "ada", "ada", "sesame");
        var shown = await ReadUntilAsync(second, l => Has(l, " 366 "));
        Assert.Contains(shown, l => l.StartsWith(":ada!", StringComparison.Ordinal) && System.Text.RegularExpressions.Regex.IsMatch(l, " JOIN :?#shared$"));
        Assert.Contains(shown, l => Has(l, " 332 ada #shared ") && l.EndsWith("the topic", StringComparison.Ordinal));
        var shownNames = shown.Where(l => Has(l, " 353 ")).ToList();
        Assert.Single(shownNames);
        Assert.Matches(@":?[@+]?ada\b", shownNames[0]);
        Assert.Contains("bob", shownNames[0], StringComparison.Ordinal);
        Assert.Contains("carl", shownNames[0], StringComparison.Ordinal);

        // One member, on both nodes; nobody saw a JOIN.
        foreach (var (client, channelMates) in new[] { (bob, "bob"), (carl, "carl") })
        {
            var (nicks, lines) = await NamesAsync(client, "#shared");
            Assert.Single(nicks, n => n == "ada");
            Assert.DoesNotContain(lines, l => l.StartsWith(":ada!", StringComparison.Ordinal) && Has(l, " JOIN "));
            Assert.Contains(channelMates, nicks);
        }
        var (secondNicks, _) = await NamesAsync(second, "#shared");
        Assert.Single(secondNicks, n => n == "ada");

        // A channel line reaches both connections of the account.
        await carl.SendAsync("PRIVMSG #shared :hello both");
        Assert.EndsWith("hello both", await first.ExpectAsync(l => Has(l, " PRIVMSG #shared ")), StringComparison.Ordinal);
        Assert.EndsWith("hello both", await second.ExpectAsync(l => Has(l, " PRIVMSG #shared ")), StringComparison.Ordinal);

        // The connection on node two speaks as the member (the channel is +n): everyone gets it,
        // the account's connection on node one too (as a user's other connection on one node).
        await second.SendAsync("PRIVMSG #shared :from two");
        Assert.EndsWith("hello both", await bob.ExpectAsync(l => Has(l, " PRIVMSG #shared ")), StringComparison.Ordinal);
        Assert.Matches(@"^:ada!\S+ PRIVMSG #shared :?from two$", await bob.ExpectAsync(l => Has(l, " PRIVMSG #shared ")));
        Assert.Matches(@"^:ada!\S+ PRIVMSG #shared :?from two$", await carl.ExpectAsync(l => Has(l, " PRIVMSG #shared ")));
        Assert.Matches(@"^:ada!\S+ PRIVMSG #shared :?from two$", await first.ExpectAsync(l => Has(l, " PRIVMSG #shared ")));

        // And the other way: node one's connection speaks, node two's sees its own account's line.
        await first.SendAsync("PRIVMSG #shared :from one");
        Assert.Matches(@"^:ada!\S+ PRIVMSG #shared :?from one$", await second.ExpectAsync(l => Has(l, " PRIVMSG #shared ")));
        Assert.Matches(@"^:ada!\S+ PRIVMSG #shared :?from one$", await bob.ExpectAsync(l => Has(l, " PRIVMSG #shared ")));

        // PART on node two: the member leaves, on every node, and the account's connection on node one sees it.
        await second.SendAsync("PART #shared :bye");
        Assert.Matches(@"^:ada!\S+ PART #shared", await second.ExpectAsync(l => Has(l, " PART ")));
        Assert.Matches(@"^:ada!\S+ PART #shared", await first.ExpectAsync(l => Has(l, " PART ")));
        Assert.Matches(@"^:ada!\S+ PART #shared", await bob.ExpectAsync(l => Has(l, " PART ")));
        Assert.Matches(@"^:ada!\S+ PART #shared", await carl.ExpectAsync(l => Has(l, " PART ")));
        Assert.DoesNotContain("ada", (await NamesAsync(carl, "#shared")).Nicks);
        Assert.DoesNotContain("ada", (await NamesAsync(bob, "#shared")).Nicks);
    }

    /// <summary>
    /// A JOIN from the account's connection on one node makes the account a member once, and its
    /// connection on the other node is shown the channel (JOIN, NAMES) as on one node.
    /// </summary>
    [Fact]
    public async Task AJoinOnOneNode_IsShownToTheAccountsConnectionOnTheOther()
    {
        await CreateAccountAsync("ivo");
        await using var first = await IrcLineClient.LoginAsync(nodes.One.Port, "ivo", "ivo", "sesame");
        await using var second = await IrcLineClient.LoginAsync(nodes.Two.Port, "ivo", "ivo", "sesame");
        await using var dan = await IrcLineClient.RegisterAsync(nodes.One.Port, "dan");
        await dan.SendAsync("JOIN #later");
        await dan.ExpectAsync(l => Has(l, " 366 "));

        // Joined from node two, whose user stands for the member of node one.
        await second.SendAsync("JOIN #later");
        await second.ExpectAsync(l => Has(l, " 366 "));
        var seen = await ReadUntilAsync(first, l => Has(l, " 366 "));
        Assert.Contains(seen, l => l.StartsWith(":ivo!", StringComparison.Ordinal) && System.Text.RegularExpressions.Regex.IsMatch(l, " JOIN :?#later$"));
        var names = seen.Single(l => Has(l, " 353 "));
        Assert.Contains("dan", names, StringComparison.Ordinal);
        Assert.Matches(@"[ :]ivo\b", names);
        Assert.Matches(@"^:ivo!\S+ JOIN :?#later$", await dan.ExpectAsync(l => Has(l, " JOIN ")));
        var (nicks, lines) = await NamesAsync(dan, "#later");
        Assert.Single(nicks, n => n == "ivo");
        Assert.DoesNotContain(lines, l => Has(l, " JOIN "));

        // Both connections get the channel's lines.
        await dan.SendAsync("PRIVMSG #later :to ivo");
        Assert.EndsWith("to ivo", await first.ExpectAsync(l => Has(l, " PRIVMSG #later ")), StringComparison.Ordinal);
        Assert.EndsWith("to ivo", await second.ExpectAsync(l => Has(l, " PRIVMSG #later ")), StringComparison.Ordinal);
    }

    /// <summary>
    /// The node whose user is the member (the primary) loses the account's last connection there
    /// while the account stays on the other node: nobody sees a QUIT or PART, the account is still
    /// one member and speaks; once the last connection anywhere quits, everyone sees the QUIT.
    /// </summary>
    [Fact]
    public async Task ThePrimarysConnectionQuitting_HandsTheMembershipOver_Unseen()
    {
        await CreateAccountAsync("eve");
        await using var first = await IrcLineClient.LoginAsync(nodes.One.Port, "eve", "eve", "sesame");
        await first.SendAsync("JOIN #handover");
        await first.ExpectAsync(l => Has(l, " 366 "));
        await using var carl = await IrcLineClient.RegisterAsync(nodes.One.Port, "cleo");
        await using var bob = await IrcLineClient.RegisterAsync(nodes.Two.Port, "bert");
        await carl.SendAsync("JOIN #handover");
        await carl.ExpectAsync(l => Has(l, " 366 "));
        await bob.SendAsync("JOIN #handover");
        await bob.ExpectAsync(l => Has(l, " 366 "));
        var second = await IrcLineClient.LoginAsync(nodes.Two.Port, "eve", "eve", "sesame");
        await ReadUntilAsync(second, l => Has(l, " 366 "));

        await first.SendAsync("QUIT :moving");
        await first.ExpectAsync(l => l.StartsWith("ERROR", StringComparison.Ordinal));
        await first.DisposeAsync();

        // Still a member (+n: a non-member could not speak), seen by both nodes; no QUIT or PART before it.
        await second.SendAsync("PRIVMSG #handover :still here");
        foreach (var client in new[] { carl, bob })
        {
            var lines = await ReadUntilAsync(client, l => Has(l, " PRIVMSG #handover "));
            Assert.EndsWith("still here", lines[^1], StringComparison.Ordinal);
            Assert.DoesNotContain(lines, l => l.StartsWith(":eve!", StringComparison.Ordinal) && (Has(l, " QUIT ") || Has(l, " PART ")));
            var (nicks, namesLines) = await NamesAsync(client, "#handover");
            Assert.Single(nicks, n => n == "eve");
            Assert.DoesNotContain(namesLines, l => l.StartsWith(":eve!", StringComparison.Ordinal));
        }
        // The member speaks through node one as well as two (node one's replica names it by its new identity).
        await carl.SendAsync("PRIVMSG #handover :hi eve");
        Assert.EndsWith("hi eve", await second.ExpectAsync(l => Has(l, " PRIVMSG #handover ")), StringComparison.Ordinal);
        // Its operator status went with it.
        await second.SendAsync("MODE #handover +l 50");
        Assert.Matches(@"^:eve!\S+ MODE #handover \+l :?50$", await carl.ExpectAsync(l => Has(l, " MODE #handover ")));

        // The last connection quits: now everyone sees it.
        await second.SendAsync("QUIT :gone");
        await second.DisposeAsync();
        Assert.Matches(@"^:eve!\S+ QUIT", await carl.ExpectAsync(l => Has(l, " QUIT ")));
        Assert.Matches(@"^:eve!\S+ QUIT", await bob.ExpectAsync(l => Has(l, " QUIT ")));
    }

    /// <summary>LUSERS' network-wide users (251, 266) and channels (254), as <paramref name="client"/> sees them.</summary>
    private static async Task<(int Users, int Global, int Channels)> LusersAsync(IrcLineClient client)
    {
        await client.SendAsync("LUSERS");
        var lines = await ReadUntilAsync(client, l => Has(l, " 266 "));
        var m251 = System.Text.RegularExpressions.Regex.Match(lines.Single(l => Has(l, " 251 ")), @"There are (\d+) users and (\d+) invisible");
        var channels = lines.SingleOrDefault(l => Has(l, " 254 ")) is { } l254 ? int.Parse(l254.Split(' ')[3], System.Globalization.CultureInfo.InvariantCulture) : 0;
        var global = int.Parse(lines.Single(l => Has(l, " 266 ")).Split(' ')[3], System.Globalization.CultureInfo.InvariantCulture);
        return (int.Parse(m251.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) + int.Parse(m251.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), global, channels);
    }

    /// <summary>
    /// LUSERS counts an account logged in on two nodes as one user, and its channel as one
    /// channel, before and after its first connection hands the membership over (the lead's
    /// trial: "2 users and 1 invisible" for two, "2 channels formed" for one).
    /// </summary>
    [Fact]
    public async Task Lusers_CountsTheAccountOnTwoNodesOnce_AndItsChannelOnce()
    {
        await CreateAccountAsync("lou");
        await using var first = await IrcLineClient.LoginAsync(nodes.One.Port, "lou", "lou", "sesame");
        await first.SendAsync("JOIN #counted");
        await first.ExpectAsync(l => Has(l, " 366 "));
        await using var cody = await IrcLineClient.RegisterAsync(nodes.One.Port, "cody");
        await using var dan = await IrcLineClient.RegisterAsync(nodes.Two.Port, "dan");
        foreach (var client in new[] { cody, dan })
        {
            await client.SendAsync("JOIN #counted");
            await client.ExpectAsync(l => Has(l, " 366 "));
        }
        var before = await LusersAsync(dan);

        await using var second = await IrcLineClient.LoginAsync(nodes.Two.Port, "lou", "lou", "sesame");
        await ReadUntilAsync(second, l => Has(l, " 366 ") && Has(l, "#counted"));
        Assert.Equal(before, await LusersAsync(dan));
        Assert.Equal(before, await LusersAsync(cody));

        // The first connection goes: the account's user on node two is the member now. cody's
        // PART, sent on node one after it, reaches dan after the hand-over (one order per
        // channel); then node one has no member of #counted left and must not count it.
        await first.SendAsync("QUIT :bye");
        await first.ExpectAsync(l => l.StartsWith("ERROR", StringComparison.Ordinal));
        await cody.SendAsync("PART #counted");
        await dan.ExpectAsync(l => l.StartsWith(":cody!", StringComparison.Ordinal) && Has(l, " PART #counted"));
        var names = await NamesAsync(dan, "#counted");
        Assert.Single(names.Nicks, n => n == "lou");
        Assert.Equal(before, await LusersAsync(dan));
        Assert.Equal(before, await LusersAsync(cody));
    }
}
