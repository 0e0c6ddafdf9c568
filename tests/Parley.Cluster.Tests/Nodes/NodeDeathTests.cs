using System.Diagnostics;
using Parley.Cluster.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Parley.Cluster.Tests.Nodes;

/// <summary>One of three nodes SIGKILLed: the others see it leave within 2 s, and its users' nicks are free again.</summary>
[Collection(PostgresCollection.Name)]
public sealed class NodeDeathTests(PostgresFixture postgres, ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>
    /// Issue 9 asks for 2 s; measured 1.1-1.6 s here with three nodes (failure detection as
    /// ClusterHost tunes it). The bound leaves room for a loaded test machine.
    /// </summary>
    private static readonly TimeSpan DeathNoticed = TimeSpan.FromSeconds(3);

    private string _connectionString = "";

    public async Task InitializeAsync() => _connectionString = await postgres.Server.CreateDatabaseAsync();

    public Task DisposeAsync() => postgres.Server.DropDatabaseAsync(_connectionString);

    /// <summary>
    /// The nick grains of the node killed come back elsewhere knowing their holders (persisted
    /// in PostgreSQL), and with one activation each (the distributed grain directory): no nick
    /// a live user holds can be taken, whether asked before or after the survivors see the death.
    /// Without the persistence the re-activated grains are empty and some nicks are taken; with
    /// the default grain directory a landing once saw one taken even with a re-claim.
    /// </summary>
    [Fact]
    public async Task KilledNode_ItsNickGrainsComeBack_WithTheNicksStillHeldByTheLiveUsers()
    {
        var nodes = await NodeProcess.StartAllAsync(_connectionString, "holder.parley.test", "host.parley.test", "taker.parley.test");
        await using var holderNode = nodes[0];
        await using var hostNode = nodes[1];
        await using var takerNode = nodes[2];

        // Thirty nicks: their grains are spread over the three nodes, so some live on the one killed.
        const int count = 30;
        var holders = await Task.WhenAll(Enumerable.Range(0, count).Select(i => IrcLineClient.RegisterAsync(holderNode.Port, $"held{i}")));
        try
        {
            await using var taker = await IrcLineClient.RegisterAsync(takerNode.Port, "taker");
            hostNode.Kill();
            // Half asked at once (their grains' calls wait for the death to be declared), half after both survivors saw it.
            for (var i = 0; i < count; i++)
            {
                if (i == count / 2)
                {
                    await Task.WhenAll(
                        SeenLeavingAsync(holderNode, "host.parley.test"),
                        SeenLeavingAsync(takerNode, "host.parley.test"));
                }
                await taker.SendAsync($"NICK held{i}");
                var answer = await NickAnswerAsync(taker);
                Assert.True(answer.Contains(" 433 ", StringComparison.Ordinal), $"held{i} was given to another node's user: {answer}");
            }
        }
        finally
        {
            foreach (var h in holders)
            {
                await h.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// The nicks of a SIGKILLed node's users, raced for by users of two surviving nodes from
    /// the moment of the kill: never both get one (until the death is declared, neither does).
    /// </summary>
    [Fact]
    public async Task KilledNode_TwoSurvivorsRaceForItsUsersNicks_EachNickHasOneWinner()
    {
        var nodes = await NodeProcess.StartAllAsync(_connectionString, "doomed.parley.test", "left.parley.test", "right.parley.test");
        await using var doomed = nodes[0];
        await using var leftNode = nodes[1];
        await using var rightNode = nodes[2];

        const int count = 10;
        var victims = await Task.WhenAll(Enumerable.Range(0, count).Select(i => IrcLineClient.RegisterAsync(doomed.Port, $"race{i}")));
        await using var left = await IrcLineClient.RegisterAsync(leftNode.Port, "lefty");
        await using var right = await IrcLineClient.RegisterAsync(rightNode.Port, "righty");
        try
        {
            doomed.Kill();
            var clock = Stopwatch.StartNew();
            // Each racer holds at most one of the nicks at a time: after a win it goes back to its own nick.
            var winners = new List<string>();
            for (var i = 0; i < count; i++)
            {
                var nick = $"race{i}";
                string[] answers;
                var rounds = 0;
                while (true)
                {
                    // Until the death is declared (about a second) the dead user still holds the nick: both are refused.
                    rounds++;
                    await Task.WhenAll(left.SendAsync($"NICK {nick}"), right.SendAsync($"NICK {nick}"));
                    answers = await Task.WhenAll(NickAnswerAsync(left), NickAnswerAsync(right));
                    var won = answers.Count(a => a.Contains(" NICK ", StringComparison.Ordinal));
                    Assert.True(won <= 1, $"{nick}: {won} winners ({answers[0]} | {answers[1]})");
                    if (won == 1)
                    {
                        break;
                    }
                    Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90), $"{nick} still refused to both {clock.Elapsed} after the kill");
                }
                output.WriteLine($"{nick}: one winner after {rounds} round(s), {clock.Elapsed.TotalSeconds:F2} s after the kill");
                var (winner, name) = answers[0].Contains(" NICK ", StringComparison.Ordinal) ? (left, "lefty") : (right, "righty");
                winners.Add(name);
                await winner.SendAsync($"NICK {name}");
                await winner.ExpectAsync(l => l.Contains(" NICK ", StringComparison.Ordinal));
            }
            output.WriteLine("winners: " + string.Join(' ', winners));
        }
        finally
        {
            foreach (var v in victims)
            {
                await v.DisposeAsync();
            }
        }
    }

    /// <summary>A claim waits for its grain at most 10 s (ClusterLink) after the node's death is declared, which a loaded machine delays.</summary>
    private static Task<string> NickAnswerAsync(IrcLineClient client)
        => client.ExpectAsync(l => l.Contains(" 433 ", StringComparison.Ordinal) || l.Contains(" NICK ", StringComparison.Ordinal), TimeSpan.FromSeconds(60));

    private static Task<string> SeenLeavingAsync(NodeProcess node, string name)
        => node.WaitForOutputAsync(l => l.Contains($"cluster: node {name}", StringComparison.Ordinal) && l.Contains(" left", StringComparison.Ordinal), TimeSpan.FromSeconds(30));

    [Fact]
    public async Task KilledNode_IsSeenLeaving_AndTheNicksItsUsersHeld_CanBeTakenElsewhere()
    {
        // Three nodes, as issue 9's test: with two, the lone survivor takes about a second longer to decide.
        var nodes = await NodeProcess.StartAllAsync(_connectionString, "doomed.parley.test", "survivor.parley.test", "third.parley.test");
        await using var doomed = nodes[0];
        await using var survivor = nodes[1];
        await using var third = nodes[2];

        await using var keeper = await IrcLineClient.RegisterAsync(doomed.Port, "keeper");
        await using var other = await IrcLineClient.RegisterAsync(survivor.Port, "other");
        await other.SendAsync("NICK keeper");
        await other.ExpectAsync(l => l.Contains(" 433 ", StringComparison.Ordinal));

        var clock = Stopwatch.StartNew();
        doomed.Kill();
        var left = await survivor.WaitForOutputAsync(l => l.Contains("cluster: node doomed.parley.test", StringComparison.Ordinal) && l.Contains(" left", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30));
        var noticed = clock.Elapsed;
        output.WriteLine($"the survivor logged the death {noticed.TotalSeconds:F2} s after the SIGKILL");
        Assert.True(noticed < DeathNoticed, $"the survivor saw the node leave after {noticed.TotalSeconds:F2} s: {left}");

        // The nick's grain lives on one of the survivors (or came back on one): once both have
        // seen the death, it knows the holder is gone.
        await third.WaitForOutputAsync(l => l.Contains("cluster: node doomed.parley.test", StringComparison.Ordinal) && l.Contains(" left", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30));
        await other.SendAsync("NICK keeper");
        Assert.Matches(@"^:other!\S+ NICK :?keeper$", await other.ExpectAsync(l => l.Contains(" NICK ", StringComparison.Ordinal) || l.Contains(" 433 ", StringComparison.Ordinal)));
    }
}
