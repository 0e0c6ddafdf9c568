using System.Text.RegularExpressions;
using Parley.Cluster.Tests.Infrastructure;

namespace Parley.Cluster.Tests.Nodes;

/// <summary>
/// LIST, LUSERS, NAMES, WHO, TOPIC and MODE of channels asked on a node none of whose users is
/// on them: answered as one server would, with every node's members (two node processes).
/// </summary>
public sealed class ChannelQueriesAcrossNodesTests(TwoNodeFixture nodes) : IClassFixture<TwoNodeFixture>
{
    private static Func<string, bool> Has(string part) => l => l.Contains(part, StringComparison.Ordinal);

    private static Predicate<string> Line(string part) => l => l.Contains(part, StringComparison.Ordinal);

    /// <summary>Sends <paramref name="command"/> and returns every line up to the one with numeric <paramref name="end"/>, that one included.</summary>
    private static async Task<List<string>> AskAsync(IrcLineClient c, string command, string end)
    {
        await c.SendAsync(command);
        var lines = new List<string>();
        string line;
        do
        {
            line = await c.ReadAsync();
            lines.Add(line);
        }
        while (!line.Contains($" {end} ", StringComparison.Ordinal));
        return lines;
    }

    private static async Task JoinAsync(IrcLineClient c, string channel) => await AskAsync(c, $"JOIN {channel}", "366");

    /// <summary>LIST's lines as channel → (users, topic).</summary>
    private static async Task<Dictionary<string, (int Users, string Topic)>> ListAsync(IrcLineClient c, string args = "")
    {
        var lines = await AskAsync(c, $"LIST {args}".TrimEnd(), "323");
        var list = new Dictionary<string, (int, string)>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            var m = Regex.Match(line, @" 322 \S+ (\S+) (\d+) :?(.*)$");
            if (m.Success)
            {
                list[m.Groups[1].Value] = (int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), m.Groups[3].Value);
            }
        }
        return list;
    }

    private static async Task<int> ChannelsFormedAsync(IrcLineClient c)
    {
        var lines = await AskAsync(c, "LUSERS", "266");
        var line = lines.Single(l => l.Contains(" 254 ", StringComparison.Ordinal));
        return int.Parse(Regex.Match(line, @" 254 \S+ (\d+) ").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task ChannelsWithNoMemberOnTheAskingNode_AreListedCountedAndQueried_AsOnOneServer()
    {
        await using var ann = await IrcLineClient.RegisterAsync(nodes.One.Port, "ann");
        await using var cid = await IrcLineClient.RegisterAsync(nodes.One.Port, "cid");
        await using var bea = await IrcLineClient.RegisterAsync(nodes.Two.Port, "bea");
        await using var dan = await IrcLineClient.RegisterAsync(nodes.Two.Port, "dan");
        // The welcome's LUSERS, before any channel, read past (to the end of the MOTD).
        await ann.ExpectAsync(l => l.Contains(" 376 ", StringComparison.Ordinal) || l.Contains(" 422 ", StringComparison.Ordinal));
        await dan.ExpectAsync(l => l.Contains(" 376 ", StringComparison.Ordinal) || l.Contains(" 422 ", StringComparison.Ordinal));

        // #a1, #a2 only on the first node (cid invisible), #b only on the second, #both on both.
        await cid.SendAsync("MODE cid +i");
        await cid.ExpectAsync(Has(" MODE cid "));
        await JoinAsync(ann, "#a1");
        await JoinAsync(cid, "#a1");
        await JoinAsync(ann, "#a2");
        await JoinAsync(ann, "#both");
        await ann.SendAsync("TOPIC #both :both topic");
        await ann.ExpectAsync(Has(" TOPIC #both "));
        await JoinAsync(bea, "#b");
        await JoinAsync(bea, "#both");
        await ann.ExpectAsync(l => l.StartsWith(":bea!", StringComparison.Ordinal) && l.Contains(" JOIN ", StringComparison.Ordinal));

        // LUSERS: four channels on either node (each node counted only its own before).
        Assert.Equal(4, await ChannelsFormedAsync(dan));
        Assert.Equal(4, await ChannelsFormedAsync(ann));

        // LIST on the second node: every channel, network-wide counts (the invisible cid left out) and topics.
        var list = await ListAsync(dan);
        Assert.Equal((1, ""), list["#a1"]);
        Assert.Equal((1, ""), list["#a2"]);
        Assert.Equal((1, ""), list["#b"]);
        Assert.Equal((2, "both topic"), list["#both"]);
        Assert.Equal(4, list.Count);
        // ELIST: more than one user; a mask.
        Assert.Equal(["#both"], (await ListAsync(dan, ">1")).Keys);
        Assert.Equal(["#a1", "#a2"], (await ListAsync(dan, "#a*")).Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["#a1"], (await ListAsync(dan, "#a1")).Keys);

        // NAMES and WHO of #a1 from the second node: ann with her prefix, cid (invisible) hidden.
        var names = await AskAsync(dan, "NAMES #a1", "366");
        Assert.Contains(names, l => Regex.IsMatch(l, @" 353 dan = #a1 :?@ann$"));
        var who = await AskAsync(dan, "WHO #a1", "315");
        var whoReplies = who.Where(l => l.Contains(" 352 ", StringComparison.Ordinal)).ToList();
        Assert.Single(whoReplies);
        Assert.Matches(@" 352 dan #a1 \S+ \S+ \S+ ann H@ :", whoReplies[0]);

        // TOPIC of a channel one is not on: 442, as on one server (403 only when there is no such channel).
        Assert.Contains(await AskAsync(dan, "TOPIC #a1", "442"), Line(" 442 dan #a1 "));
        Assert.Contains(await AskAsync(dan, "TOPIC #nowhere", "403"), Line(" 403 dan #nowhere "));

        // MODE query: the channel's modes.
        Assert.Contains(await AskAsync(dan, "MODE #a1", "324"), l => Regex.IsMatch(l, @" 324 dan #a1 :?\+nt$"));

        // Secret: hidden from LIST and NAMES of a non-member on another node.
        await ann.SendAsync("MODE #a2 +s");
        await ann.ExpectAsync(Has(" MODE #a2 "));
        Assert.DoesNotContain("#a2", (await ListAsync(dan)).Keys);
        Assert.DoesNotContain(await AskAsync(dan, "NAMES #a2", "366"), Line(" 353 "));
    }
}
