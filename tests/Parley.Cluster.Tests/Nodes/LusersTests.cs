using Parley.Cluster.Tests.Infrastructure;

namespace Parley.Cluster.Tests.Nodes;

/// <summary>LUSERS in a cluster counts the whole network: every node's users, and the nodes up as servers.</summary>
public sealed class LusersTests(TwoNodeFixture nodes) : IClassFixture<TwoNodeFixture>
{
    [Fact]
    public async Task Lusers_CountsTheUsersOfBothNodes_AndBothServers()
    {
        // Two users on node one, three on node two, one invisible on each.
        await using var ann = await IrcLineClient.RegisterAsync(nodes.One.Port, "ann");
        await using var ben = await IrcLineClient.RegisterAsync(nodes.One.Port, "ben");
        await ben.SendAsync("MODE ben +i");
        await ben.ExpectAsync(l => l.Contains(" MODE ben ", StringComparison.Ordinal));
        await using var cal = await IrcLineClient.RegisterAsync(nodes.Two.Port, "cal");
        await using var dot = await IrcLineClient.RegisterAsync(nodes.Two.Port, "dot");
        await using var eve = await IrcLineClient.RegisterAsync(nodes.Two.Port, "eve");
        await eve.SendAsync("MODE eve +i");
        await eve.ExpectAsync(l => l.Contains(" MODE eve ", StringComparison.Ordinal));

        // Past the welcome's own LUSERS (to the end of the MOTD).
        await ann.ExpectAsync(l => l.Contains(" 376 ", StringComparison.Ordinal) || l.Contains(" 422 ", StringComparison.Ordinal));
        await ann.SendAsync("LUSERS");
        var lines = new List<string>();
        string line;
        while (!(line = await ann.ReadAsync()).Contains(" 266 ", StringComparison.Ordinal))
        {
            lines.Add(line);
        }
        lines.Add(line);
        // Modes at registration may make users invisible already: the sum is what must be the network's.
        var luserClient = System.Text.RegularExpressions.Regex.Match(Assert.Single(lines, l => l.Contains(" 251 ", StringComparison.Ordinal)),
            @"There are (\d+) users and (\d+) invisible on (\d+) servers");
        Assert.True(luserClient.Success, string.Join('\n', lines));
        Assert.True(5 == int.Parse(luserClient.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)
            + int.Parse(luserClient.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), string.Join("\n", lines));
        Assert.True(int.Parse(luserClient.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) >= 2, luserClient.Value);
        Assert.Equal("2", luserClient.Groups[3].Value);
        Assert.Contains(lines, l => l.Contains(" 255 ann :I have 2 clients and 1 servers", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(" 265 ann 2 2 ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(" 266 ann 5 5 ", StringComparison.Ordinal));
    }
}
