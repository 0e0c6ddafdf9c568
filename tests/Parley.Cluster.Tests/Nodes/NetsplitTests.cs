using System.Diagnostics;
using Parley.Cluster.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Parley.Cluster.Tests.Nodes;

/// <summary>
/// Three nodes share a channel; one is SIGKILLed: the others' members see its users quit (a
/// netsplit) within about 2 s, the channel stays one channel, messages flow, and the node, started
/// again, rejoins.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class NetsplitTests(PostgresFixture postgres, ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>Issue 9 asks for 2 s; the bound leaves room for a loaded test machine (as <see cref="NodeDeathTests"/>).</summary>
    private static readonly TimeSpan QuitsSeen = TimeSpan.FromSeconds(3);

    private string _connectionString = "";

    public async Task InitializeAsync() => _connectionString = await postgres.Server.CreateDatabaseAsync();

    public Task DisposeAsync() => postgres.Server.DropDatabaseAsync(_connectionString);

    private static Func<string, bool> Has(string part) => l => l.Contains(part, StringComparison.Ordinal);

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

    private static async Task<string> NamesAsync(IrcLineClient c, string channel)
    {
        await c.SendAsync($"NAMES {channel}");
        var names = new List<string>();
        string line;
        while (!(line = await c.ReadAsync()).Contains(" 366 ", StringComparison.Ordinal))
        {
            if (line.Contains(" 353 ", StringComparison.Ordinal))
            {
                names.Add(line[(line.IndexOf(channel + " ", StringComparison.Ordinal) + channel.Length + 1)..].TrimStart(':'));
            }
        }
        return string.Join(' ', string.Join(' ', names).Split(' ').Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task KilledNode_ItsUsersQuitWithANetsplitReason_TheChannelStaysConsistent_MessagesFlow_AndTheNodeRejoins()
    {
        var nodes = await Task.WhenAll(
            NodeProcess.StartAsync(_connectionString, "doomed.parley.test"),
            NodeProcess.StartAsync(_connectionString, "survivor.parley.test"),
            NodeProcess.StartAsync(_connectionString, "third.parley.test")).WaitAsync(NodeProcess.StartTimeout);
        await using var doomed = nodes[0];
        await using var survivor = nodes[1];
        await using var third = nodes[2];

        try
        {
            await RunAsync(doomed, survivor, third);
        }
        finally
        {
            output.WriteLine("--- survivor:\n" + survivor.Output + "\n--- third:\n" + third.Output);
        }
    }

    private async Task RunAsync(NodeProcess doomed, NodeProcess survivor, NodeProcess third)
    {
        await using var dora = await IrcLineClient.RegisterAsync(doomed.Port, "dora");
        await using var dirk = await IrcLineClient.RegisterAsync(doomed.Port, "dirk");
        await using var sam = await IrcLineClient.RegisterAsync(survivor.Port, "sam");
        await using var tia = await IrcLineClient.RegisterAsync(third.Port, "tia");
        // Several channels, so their grains are spread over the nodes: some live on the one killed.
        string[] channels = ["#split0", "#split1", "#split2", "#split3", "#split4"];
        foreach (var channel in channels)
        {
            await JoinAsync(dora, channel);
            await JoinAsync(dirk, channel);
            await JoinAsync(sam, channel);
            await JoinAsync(tia, channel);
            await dora.SendAsync($"PRIVMSG {channel} :before");
            await tia.ExpectAsync(l => l.StartsWith(":dora!", StringComparison.Ordinal) && l.Contains($" PRIVMSG {channel} ", StringComparison.Ordinal));
        }

        var clock = Stopwatch.StartNew();
        doomed.Kill();
        var quits = await Task.WhenAll(
            sam.ExpectAsync(l => l.StartsWith(":dora!", StringComparison.Ordinal) && l.Contains(" QUIT ", StringComparison.Ordinal)),
            tia.ExpectAsync(l => l.StartsWith(":dora!", StringComparison.Ordinal) && l.Contains(" QUIT ", StringComparison.Ordinal)));
        var seen = clock.Elapsed;
        output.WriteLine($"the survivors' members saw dora quit {seen.TotalSeconds:F2} s after the SIGKILL");
        Assert.True(seen < QuitsSeen, $"the QUITs came {seen.TotalSeconds:F2} s after the SIGKILL");
        Assert.Matches(@" QUIT :?survivor\.parley\.test doomed\.parley\.test$", quits[0]);
        Assert.Matches(@" QUIT :?third\.parley\.test doomed\.parley\.test$", quits[1]);
        await sam.ExpectAsync(l => l.StartsWith(":dirk!", StringComparison.Ordinal) && l.Contains(" QUIT ", StringComparison.Ordinal));

        // Each survivor has subscribed again to the channels whose grains were lost with the node
        // (a message sent before the other survivor has would not reach it: docs/DEVELOPING.md).
        await Task.WhenAll(
            survivor.WaitForOutputAsync(Has("netsplit from doomed.parley.test"), TimeSpan.FromSeconds(30)),
            third.WaitForOutputAsync(Has("netsplit from doomed.parley.test"), TimeSpan.FromSeconds(30)));

        // Each channel: the same members on both survivors, and messages flow both ways.
        foreach (var channel in channels)
        {
            Assert.Equal("sam tia", await NamesAsync(sam, channel));
            Assert.Equal("sam tia", await NamesAsync(tia, channel));
            await sam.SendAsync($"PRIVMSG {channel} :after from sam");
            Assert.EndsWith("after from sam", await tia.ExpectAsync(Has($" PRIVMSG {channel} ")), StringComparison.Ordinal);
            await tia.SendAsync($"PRIVMSG {channel} :after from tia");
            Assert.EndsWith("after from tia", await sam.ExpectAsync(Has($" PRIVMSG {channel} ")), StringComparison.Ordinal);
        }

        // The node comes back (a new silo of the same name): its users join the same channels.
        await using var again = await NodeProcess.StartAsync(_connectionString, "doomed.parley.test").WaitAsync(NodeProcess.StartTimeout);
        await using var dora2 = await IrcLineClient.ConnectAsync(again.Port);
        await dora2.SendAsync("NICK dora", "USER dora 0 * :dora");
        var welcome = await dora2.ExpectAsync(l => l.Contains(" 001 ", StringComparison.Ordinal) || l.Contains(" 433 ", StringComparison.Ordinal) || l.StartsWith("ERROR", StringComparison.Ordinal));
        Assert.True(welcome.Contains(" 001 ", StringComparison.Ordinal), $"dora could not have her nick back: {welcome}");
        foreach (var channel in channels)
        {
            var names = await JoinAsync(dora2, channel);
            Assert.Contains(names, l => l.Contains("sam", StringComparison.Ordinal) && l.Contains("tia", StringComparison.Ordinal));
            Assert.Matches(@"^:dora!\S+ JOIN :?#split\d$", await sam.ExpectAsync(Has(" JOIN ")));
            await tia.SendAsync($"PRIVMSG {channel} :welcome back");
            Assert.EndsWith("welcome back", await dora2.ExpectAsync(Has($" PRIVMSG {channel} ")), StringComparison.Ordinal);
        }
    }
}
