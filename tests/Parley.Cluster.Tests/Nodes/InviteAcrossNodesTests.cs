using System.Text.RegularExpressions;
using Parley.Cluster.Tests.Infrastructure;

namespace Parley.Cluster.Tests.Nodes;

/// <summary>INVITE of a user on another node to an invite-only channel (two node processes): as on one server.</summary>
public sealed class InviteAcrossNodesTests(TwoNodeFixture nodes) : IClassFixture<TwoNodeFixture>
{
    private static Func<string, bool> Has(string part) => l => l.Contains(part, StringComparison.Ordinal);

    private static Predicate<string> Line(string part) => l => l.Contains(part, StringComparison.Ordinal);

    private static Func<string, bool> From(string nick, string part) => l => l.StartsWith($":{nick}!", StringComparison.Ordinal) && l.Contains(part, StringComparison.Ordinal);

    /// <summary>Sends <paramref name="command"/> and returns every line up to the first that matches <paramref name="end"/>, that one included.</summary>
    private static async Task<List<string>> AskAsync(IrcLineClient c, string command, Func<string, bool> end)
    {
        await c.SendAsync(command);
        var lines = new List<string>();
        string line;
        do
        {
            line = await c.ReadAsync();
            lines.Add(line);
        }
        while (!end(line));
        return lines;
    }

    private static async Task JoinAsync(IrcLineClient c, string channel) => await AskAsync(c, $"JOIN {channel}", Has(" 366 "));

    private static async Task<IrcLineClient> RegisterAsync(int port, string nick, string caps)
    {
        var c = await IrcLineClient.ConnectAsync(port);
        await c.SendAsync($"CAP REQ :{caps}", $"NICK {nick}", $"USER {nick} 0 * :{nick}");
        await c.ExpectAsync(Has(" ACK "));
        await c.SendAsync("CAP END");
        await c.ExpectAsync(Has(" 001 "));
        return c;
    }

    [Fact]
    public async Task AUserOnANodeWithoutTheChannel_IsInvitedFromAnother_SeesItInItsInviteList_AndJoins()
    {
        await using var ann = await IrcLineClient.RegisterAsync(nodes.One.Port, "ann");
        await using var carl = await RegisterAsync(nodes.One.Port, "carl", "invite-notify");
        await using var tom = await IrcLineClient.RegisterAsync(nodes.Two.Port, "tom");
        await JoinAsync(ann, "#inv");
        await JoinAsync(carl, "#inv");
        await AskAsync(ann, "MODE #inv +o carl", From("ann", " MODE "));
        await AskAsync(ann, "MODE #inv +i", From("ann", " MODE "));

        // Not invited: 473 on the second node too.
        Assert.Contains(await AskAsync(tom, "JOIN #inv", Has(" 473 ")), Line(" 473 tom #inv "));

        // ann invites tom, whose node holds no replica of #inv: RPL_INVITING, tom's INVITE, carl's invite-notify.
        Assert.Contains(await AskAsync(ann, "INVITE tom #inv", Has(" 341 ")), l => Regex.IsMatch(l, @" 341 ann tom :?#inv$"));
        Assert.Matches(@"^:ann!\S+ INVITE tom :?#inv$", await tom.ExpectAsync(Has(" INVITE ")));
        Assert.Matches(@"^:ann!\S+ INVITE tom :?#inv$", await carl.ExpectAsync(Has(" INVITE ")));

        // tom's invite list, then the JOIN the invite lets through; ann sees it; the list is empty after.
        Assert.Contains(await AskAsync(tom, "INVITE", Has(" 337 ")), l => Regex.IsMatch(l, @" 336 tom :?#inv$"));
        await JoinAsync(tom, "#inv");
        await ann.ExpectAsync(From("tom", " JOIN "));
        Assert.DoesNotContain(await AskAsync(tom, "INVITE", Has(" 337 ")), Line(" 336 "));

        // The invite was used: after a PART, +i keeps tom out again on both nodes' replicas.
        await AskAsync(tom, "PART #inv", From("tom", " PART "));
        Assert.Contains(await AskAsync(tom, "JOIN #inv", Has(" 473 ")), Line(" 473 tom #inv "));
    }

    [Fact]
    public async Task AnInviteSeenByAnInviteNotifyOperatorOnTheOtherNode_AndInviteExceptionsForUsersOfEitherNode()
    {
        await using var amy = await IrcLineClient.RegisterAsync(nodes.One.Port, "amy");
        await using var uma = await IrcLineClient.RegisterAsync(nodes.One.Port, "uma");
        await using var bob = await RegisterAsync(nodes.Two.Port, "bob", "invite-notify");
        await using var vic = await IrcLineClient.RegisterAsync(nodes.Two.Port, "vic");
        await JoinAsync(amy, "#inv2");
        await JoinAsync(bob, "#inv2");
        await amy.ExpectAsync(From("bob", " JOIN "));
        await AskAsync(amy, "MODE #inv2 +o bob", From("amy", " MODE "));
        await AskAsync(amy, "MODE #inv2 +i", From("amy", " MODE "));
        await bob.ExpectAsync(From("amy", " MODE #inv2 +i"));

        // amy (first node) invites uma (first node): bob, an operator with invite-notify on the second, sees it.
        await AskAsync(amy, "INVITE uma #inv2", Has(" 341 "));
        Assert.Matches(@"^:amy!\S+ INVITE uma :?#inv2$", await uma.ExpectAsync(Has(" INVITE ")));
        Assert.Matches(@"^:amy!\S+ INVITE uma :?#inv2$", await bob.ExpectAsync(Has(" INVITE ")));
        await JoinAsync(uma, "#inv2");
        await bob.ExpectAsync(From("uma", " JOIN "));

        // bob (second node) invites nobody; an invite exception set on the first lets vic (second) in.
        Assert.Contains(await AskAsync(vic, "JOIN #inv2", Has(" 473 ")), Line(" 473 vic #inv2 "));
        await AskAsync(amy, "MODE #inv2 +I vic!*@*", From("amy", " MODE "));
        await JoinAsync(vic, "#inv2");
        await amy.ExpectAsync(From("vic", " JOIN "));
    }
}
