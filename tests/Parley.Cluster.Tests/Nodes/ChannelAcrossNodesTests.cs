using System.Text.RegularExpressions;
using Npgsql;
using Parley.Cluster.Tests.Infrastructure;

namespace Parley.Cluster.Tests.Nodes;

/// <summary>IRC channels with members on two node processes: one channel, one order, history stored once.</summary>
public sealed partial class ChannelAcrossNodesTests(TwoNodeFixture nodes) : IClassFixture<TwoNodeFixture>
{
    private static Func<string, bool> Has(string part) => l => l.Contains(part, StringComparison.Ordinal);

    private static Func<string, bool> From(string nick, string part) => l => l.StartsWith($":{nick}!", StringComparison.Ordinal) && l.Contains(part, StringComparison.Ordinal);

    /// <summary>Joins and waits for the end of NAMES; returns the RPL_NAMREPLY lines.</summary>
    private static async Task<List<string>> JoinAsync(IrcLineClient c, string channel)
    {
        await c.SendAsync($"JOIN {channel}");
        var names = new List<string>();
        string line;
        while (!(line = await c.ReadAsync()).Contains(" 366 ", StringComparison.Ordinal))
        {
            if (line.Contains(" 353 ", StringComparison.Ordinal))
            {
                names.Add(line);
            }
        }
        return names;
    }

    [GeneratedRegex(@" PRIVMSG #\S+ :?(.*)$")]
    private static partial Regex Text();

    [Fact]
    public async Task MembersOnTwoNodes_SeeEachOthersJoinsMessagesAndParts_InOrder_AndHistoryHasEachMessageOnce()
    {
        await using var alice = await IrcLineClient.RegisterAsync(nodes.One.Port, "alice");
        await using var bob = await IrcLineClient.RegisterAsync(nodes.Two.Port, "bob");
        await JoinAsync(alice, "#room");
        var names = await JoinAsync(bob, "#Room");
        Assert.Contains(names, l => Regex.IsMatch(l, @" 353 bob = #room :?(@alice bob|bob @alice)$"));
        Assert.Matches(@"^:bob!\S+ JOIN :?#room$", await alice.ExpectAsync(Has(" JOIN ")));

        const int count = 50;
        await alice.SendAsync([.. Enumerable.Range(0, count).Select(i => $"PRIVMSG #room :one {i}")]);
        for (var i = 0; i < count; i++)
        {
            var line = await bob.ExpectAsync(Has(" PRIVMSG #room "));
            Assert.StartsWith(":alice!", line, StringComparison.Ordinal);
            Assert.Equal($"one {i}", Text().Match(line).Groups[1].Value);
        }
        await bob.SendAsync("PRIVMSG #room :two back", "PART #room :bye");
        Assert.EndsWith("two back", await alice.ExpectAsync(Has(" PRIVMSG #room ")), StringComparison.Ordinal);
        Assert.Matches(@"^:bob!\S+ PART #room :?bye$", await alice.ExpectAsync(Has(" PART ")));

        // NAMES on the first node: alice alone again.
        await alice.SendAsync("NAMES #room");
        Assert.Matches(@" 353 alice = #room :?@alice$", await alice.ExpectAsync(Has(" 353 ")));

        // Each message is in history once, whichever node stored it.
        await using var db = NpgsqlDataSource.Create(nodes.ConnectionString);
        await using var query = db.CreateCommand("SELECT count(*), count(DISTINCT msgid) FROM history WHERE target = '#room' AND command = 'PRIVMSG'");
        await using var reader = await query.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(count + 1, reader.GetInt64(0));
        Assert.Equal(count + 1, reader.GetInt64(1));
    }

    [Fact]
    public async Task TwoSendersOnTwoNodes_EveryMemberSeesOneOrder()
    {
        await using var ann = await IrcLineClient.RegisterAsync(nodes.One.Port, "ann");
        await using var ben = await IrcLineClient.RegisterAsync(nodes.Two.Port, "ben");
        await using var cat = await IrcLineClient.RegisterAsync(nodes.One.Port, "cat");
        await using var dan = await IrcLineClient.RegisterAsync(nodes.Two.Port, "dan");
        foreach (var c in new[] { ann, ben, cat, dan })
        {
            await JoinAsync(c, "#order");
        }
        // Everyone's JOIN has reached everyone: the last joiner's JOIN seen by the first.
        await ann.ExpectAsync(l => l.StartsWith(":dan!", StringComparison.Ordinal) && l.Contains(" JOIN ", StringComparison.Ordinal));

        const int each = 40;
        await Task.WhenAll(
            ann.SendAsync([.. Enumerable.Range(0, each).Select(i => $"PRIVMSG #order :ann {i}")]),
            ben.SendAsync([.. Enumerable.Range(0, each).Select(i => $"PRIVMSG #order :ben {i}")]));

        async Task<List<string>> ReadAll(IrcLineClient c)
        {
            var got = new List<string>();
            while (got.Count < each * 2)
            {
                got.Add(Text().Match(await c.ExpectAsync(Has(" PRIVMSG #order "))).Groups[1].Value);
            }
            return got;
        }
        var seen = await Task.WhenAll(ReadAll(cat), ReadAll(dan));
        Assert.Equal(seen[0], seen[1]);
        Assert.Equal(Enumerable.Range(0, each).Select(i => $"ann {i}"), seen[0].Where(t => t.StartsWith("ann", StringComparison.Ordinal)));
        Assert.Equal(Enumerable.Range(0, each).Select(i => $"ben {i}"), seen[0].Where(t => t.StartsWith("ben", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task TopicModeKickNickAndQuit_OfMembersOnEitherNode_ReachTheOtherNode_AndTheRulesAgree()
    {
        await using var amy = await IrcLineClient.RegisterAsync(nodes.One.Port, "amy");
        await using var bill = await IrcLineClient.RegisterAsync(nodes.Two.Port, "bill");
        await using var cy = await IrcLineClient.RegisterAsync(nodes.One.Port, "cy");
        await JoinAsync(amy, "#ops");
        await JoinAsync(bill, "#ops");
        await amy.ExpectAsync(Has(" JOIN "));

        // +t (set at creation): bill, not an operator, may not set the topic; amy may.
        await bill.SendAsync("TOPIC #ops :from bill");
        Assert.Contains(" 482 bill #ops ", await bill.ExpectAsync(Has(" 482 ")), StringComparison.Ordinal);
        await amy.SendAsync("TOPIC #ops :hello all");
        Assert.Matches(@"^:amy!\S+ TOPIC #ops :?hello all$", await bill.ExpectAsync(Has(" TOPIC ")));

        // amy makes bill an operator: the rule on bill's node agrees at once.
        await amy.SendAsync("MODE #ops +o bill");
        Assert.Matches(@"^:amy!\S+ MODE #ops \+o :?bill$", await bill.ExpectAsync(Has(" MODE ")));
        await bill.SendAsync("TOPIC #ops :from bill", "MODE #ops +m");
        Assert.Matches(@"^:bill!\S+ TOPIC #ops :?from bill$", await amy.ExpectAsync(From("bill", " TOPIC ")));
        Assert.Matches(@"^:bill!\S+ MODE #ops :?\+m$", await amy.ExpectAsync(From("bill", " MODE ")));

        // cy joins on amy's node and may not speak (+m, set on the other node).
        var names = await JoinAsync(cy, "#ops");
        Assert.Contains(names, l => l.Contains("@bill", StringComparison.Ordinal) && l.Contains("@amy", StringComparison.Ordinal));
        await cy.SendAsync("PRIVMSG #ops :may I?");
        Assert.Contains(" 404 cy #ops ", await cy.ExpectAsync(Has(" 404 ")), StringComparison.Ordinal);

        // bill (node two) kicks cy (node one): everyone sees it.
        await bill.SendAsync("KICK #ops cy :quiet");
        Assert.Matches(@"^:bill!\S+ KICK #ops cy :?quiet$", await cy.ExpectAsync(Has(" KICK ")));
        Assert.Matches(@"^:bill!\S+ KICK #ops cy :?quiet$", await amy.ExpectAsync(From("bill", " KICK ")));

        // bill's nick change and quit reach amy.
        await bill.SendAsync("NICK billy");
        Assert.Matches(@"^:bill!\S+ NICK :?billy$", await amy.ExpectAsync(Has(" NICK ")));
        await bill.SendAsync("PRIVMSG #ops :as billy");
        Assert.EndsWith("as billy", await amy.ExpectAsync(From("billy", " PRIVMSG #ops ")), StringComparison.Ordinal);
        await bill.SendAsync("QUIT :gone home");
        Assert.Matches(@"^:billy!\S+ QUIT :?(Quit: )?gone home$", await amy.ExpectAsync(Has(" QUIT ")));

        await amy.SendAsync("NAMES #ops");
        Assert.Matches(@" 353 amy = #ops :?@amy$", await amy.ExpectAsync(Has(" 353 ")));
    }
}
