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
