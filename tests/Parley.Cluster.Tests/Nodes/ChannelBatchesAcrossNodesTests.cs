using System.Text.RegularExpressions;
using Parley.Cluster.Tests.Infrastructure;

namespace Parley.Cluster.Tests.Nodes;

/// <summary>draft/multiline batches to a channel and REDACT of a channel message, with members on two node processes.</summary>
public sealed class ChannelBatchesAcrossNodesTests(TwoNodeFixture nodes) : IClassFixture<TwoNodeFixture>
{
    private static Func<string, bool> Has(string part) => l => l.Contains(part, StringComparison.Ordinal);

    private static async Task<IrcLineClient> RegisterAsync(int port, string nick, string caps)
    {
        var c = await IrcLineClient.ConnectAsync(port);
        await c.SendAsync($"CAP REQ :{caps}", $"NICK {nick}", $"USER {nick} 0 * :{nick}");
        await c.ExpectAsync(Has(" ACK "));
        await c.SendAsync("CAP END");
        await c.ExpectAsync(Has(" 001 "));
        return c;
    }

    private static async Task JoinAsync(IrcLineClient c, string channel)
    {
        await c.SendAsync($"JOIN {channel}");
        await c.ExpectAsync(Has(" 366 "));
    }

    [Fact]
    public async Task AMultilineBatchToAChannel_ReachesMembersOnTheOtherNode_AsABatchOrAsLines()
    {
        await using var amy = await RegisterAsync(nodes.One.Port, "amy", "batch draft/multiline message-tags echo-message");
        await using var bob = await RegisterAsync(nodes.Two.Port, "bob", "batch draft/multiline message-tags");
        await using var cid = await IrcLineClient.RegisterAsync(nodes.Two.Port, "cid");
        await JoinAsync(amy, "#ml");
        await JoinAsync(bob, "#ml");
        await JoinAsync(cid, "#ml");
        await amy.ExpectAsync(l => l.Contains(":cid!", StringComparison.Ordinal) && l.Contains(" JOIN ", StringComparison.Ordinal));

        await amy.SendAsync("BATCH +b1 draft/multiline #ml", "@batch=b1 PRIVMSG #ml :line one", "@batch=b1;draft/multiline-concat PRIVMSG #ml :, continued",
            "@batch=b1 PRIVMSG #ml :line two", "BATCH -b1");

        // bob (multiline): the batch; cid (none): each line as a PRIVMSG.
        var open = await bob.ExpectAsync(Has(" BATCH +"));
        var id = Regex.Match(open, @"BATCH \+(\S+) draft/multiline #ml").Groups[1].Value;
        Assert.NotEmpty(id);
        Assert.Matches(@"^:amy!\S+ PRIVMSG #ml :?line one$", Untagged(await bob.ReadAsync()));
        var concat = await bob.ReadAsync();
        Assert.Contains("draft/multiline-concat", concat, StringComparison.Ordinal);
        Assert.EndsWith(", continued", concat, StringComparison.Ordinal);
        Assert.EndsWith("line two", await bob.ReadAsync(), StringComparison.Ordinal);
        Assert.Contains($"BATCH -{id}", await bob.ReadAsync(), StringComparison.Ordinal);
        Assert.EndsWith("line one", await cid.ExpectAsync(Has(" PRIVMSG #ml ")), StringComparison.Ordinal);
        Assert.EndsWith(", continued", await cid.ExpectAsync(Has(" PRIVMSG #ml ")), StringComparison.Ordinal);
        Assert.EndsWith("line two", await cid.ExpectAsync(Has(" PRIVMSG #ml ")), StringComparison.Ordinal);
        // The sender's echo is a batch too.
        Assert.Contains(" BATCH +", await amy.ExpectAsync(Has(" BATCH +")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARedactedChannelMessage_IsRedactedForMembersOnTheOtherNode()
    {
        await using var ann = await RegisterAsync(nodes.One.Port, "ann", "message-tags echo-message draft/message-redaction");
        await using var ben = await RegisterAsync(nodes.Two.Port, "ben", "message-tags draft/message-redaction");
        await JoinAsync(ann, "#red");
        await JoinAsync(ben, "#red");
        await ann.ExpectAsync(l => l.Contains(":ben!", StringComparison.Ordinal) && l.Contains(" JOIN ", StringComparison.Ordinal));

        await ann.SendAsync("PRIVMSG #red :oops");
        var echo = await ann.ExpectAsync(Has(" PRIVMSG #red "));
        var msgid = Regex.Match(echo, @"[@;]msgid=([^; ]+)").Groups[1].Value;
        Assert.NotEmpty(msgid);
        Assert.Contains($"msgid={msgid}", await ben.ExpectAsync(Has(" PRIVMSG #red ")), StringComparison.Ordinal);

        await ann.SendAsync($"REDACT #red {msgid} :typo");
        Assert.Matches($@"^:ann!\S+ REDACT #red {Regex.Escape(msgid)} :?typo$", Untagged(await ben.ExpectAsync(Has(" REDACT "))));
    }

    [Fact]
    public async Task ChannelMetadata_SetOnOneNode_IsSeenBySubscribersAndJoinersOnTheOther()
    {
        await using var ava = await RegisterAsync(nodes.One.Port, "ava", "draft/metadata-3");
        await using var bo = await RegisterAsync(nodes.Two.Port, "bo", "draft/metadata-3");
        await JoinAsync(ava, "#md");
        // Set before anyone on the second node is on #md: a joiner there gets it with the replica.
        await ava.SendAsync("METADATA #md SET url :https://one.example");
        await ava.ExpectAsync(Has(" 761 "));
        await bo.SendAsync("METADATA * SUB url");
        await bo.ExpectAsync(Has(" 770 "));
        await JoinAsync(bo, "#md");
        await bo.SendAsync("METADATA #md GET url");
        Assert.Matches(@" 761 bo #md url \* :?https://one\.example$", await bo.ExpectAsync(Has(" 761 ")));

        // Changed while bo is on it: bo, subscribed, is told.
        await ava.ExpectAsync(l => l.Contains(":bo!", StringComparison.Ordinal) && l.Contains(" JOIN ", StringComparison.Ordinal));
        await ava.SendAsync("METADATA #md SET url :https://two.example");
        Assert.Matches(@" 761 \* #md url \* :?https://two\.example$", await bo.ExpectAsync(l => l.Contains(" 761 ", StringComparison.Ordinal) && l.Contains("two.example", StringComparison.Ordinal)));
    }

    private static string Untagged(string line) => line.StartsWith('@') ? line[(line.IndexOf(' ', StringComparison.Ordinal) + 1)..] : line;
}
