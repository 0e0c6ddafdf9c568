using Parley.Protocol;
using Parley.Server.Commands;
using Parley.Server.Hosting;
using Parley.Server.Tests.Infrastructure;
using Parley.Server.Tests.Operators;

namespace Parley.Server.Tests.Queries;

public sealed class ServerQueryTests
{
    private static async Task<List<IrcMessage>> AskAsync(TestClient c, string line)
    {
        await c.SendAsync(line);
        return await c.SyncAsync();
    }

    [Fact]
    public async Task Version_RepliesVersionThenIsupport()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");

        var all = await AskAsync(alice, "VERSION");

        Assert.Equal(["alice", ServerContext.Version, TestServer.Name], all[0].Parameters.Take(3));
        Assert.Equal(Numerics.RPL_VERSION, all[0].Command);
        Assert.All(all.Skip(1), m => Assert.Equal(Numerics.RPL_ISUPPORT, m.Command));
        Assert.Contains(all, m => m.Parameters.Contains("WHOX"));
    }

    [Fact]
    public async Task Time_RepliesTheServersClock()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");

        var reply = Assert.Single(await AskAsync(alice, "TIME"));

        Assert.Equal(Numerics.RPL_TIME, reply.Command);
        Assert.Equal(["alice", TestServer.Name, "Wed, 25 Nov 2026 12:00:00 GMT"], reply.Parameters);
    }

    [Fact]
    public async Task Info_RepliesInfoLinesThenEnd()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");

        var all = await AskAsync(alice, "INFO");

        Assert.True(all.Count > 1);
        Assert.All(all[..^1], m => Assert.Equal(Numerics.RPL_INFO, m.Command));
        Assert.Equal(Numerics.RPL_ENDOFINFO, all[^1].Command);
    }

    [Fact]
    public async Task Admin_RepliesTheConfiguredContact()
    {
        var options = new ServerOptions { Admin = new AdminOptions { Location1 = "Here", Location2 = "There", Email = "ops@example.org" } };
        await using var server = new TestServer(options);
        var alice = await server.ConnectRegisteredAsync("alice");

        var all = await AskAsync(alice, "ADMIN");

        Assert.Equal([Numerics.RPL_ADMINME, Numerics.RPL_ADMINLOC1, Numerics.RPL_ADMINLOC2, Numerics.RPL_ADMINEMAIL], all.Select(m => m.Command));
        Assert.Equal(["alice", TestServer.Name, "Administrative info"], all[0].Parameters);
        Assert.Equal(["Here", "There", "ops@example.org"], all.Skip(1).Select(m => m.Parameters[1]));
    }

    [Theory]
    [InlineData("VERSION elsewhere.example")]
    [InlineData("TIME elsewhere.example")]
    [InlineData("INFO elsewhere.example")]
    [InlineData("ADMIN elsewhere.example")]
    public async Task ServerQuery_ForAnotherServer_RepliesNoSuchServer(string line)
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");

        var reply = Assert.Single(await AskAsync(alice, line));

        Assert.Equal(Numerics.ERR_NOSUCHSERVER, reply.Command);
        Assert.Equal("elsewhere.example", reply.Parameters[1]);
    }

    [Theory]
    [InlineData("TIME test.parley")]
    [InlineData("TIME *.parley")]
    [InlineData("TIME alice")]
    public async Task ServerQuery_ForThisServerByNameMaskOrNick_IsAnswered(string line)
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");

        Assert.Equal(Numerics.RPL_TIME, Assert.Single(await AskAsync(alice, line)).Command);
    }

    [Theory]
    [InlineData("HELP")]
    [InlineData("HELPOP")]
    public async Task Help_WithoutSubject_ListsTheCommands(string verb)
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");

        var all = await AskAsync(alice, verb);

        Assert.Equal(Numerics.RPL_HELPSTART, all[0].Command);
        Assert.Equal(Numerics.RPL_ENDOFHELP, all[^1].Command);
        Assert.All(all[1..^1], m => Assert.Equal(Numerics.RPL_HELPTXT, m.Command));
        var listed = all[1..^1].SelectMany(m => m.Parameters[2].Split(' ')).ToHashSet();
        Assert.Superset(new HashSet<string> { "WHO", "PRIVMSG", "OPER", "HELP" }, listed);
    }

    [Theory]
    [InlineData("HELP privmsg", "PRIVMSG", "PRIVMSG <target>{,<target>} <text>")]
    [InlineData("HELPOP WHO", "WHO", "WHO <mask> [o][%<fields>[,<token>]]")]
    public async Task Help_OnACommand_RepliesItsGrammarAndText(string line, string subject, string grammar)
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");

        var all = await AskAsync(alice, line);

        Assert.Equal([Numerics.RPL_HELPSTART, Numerics.RPL_HELPTXT, Numerics.RPL_ENDOFHELP], all.Select(m => m.Command));
        Assert.All(all, m => Assert.Equal(subject, m.Parameters[1]));
        Assert.Equal(grammar, all[0].Parameters[2]);
    }

    [Fact]
    public async Task Help_OnAnUnknownSubject_RepliesHelpNotFound()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");

        var reply = Assert.Single(await AskAsync(alice, "HELP THISISNOTACOMMAND"));

        Assert.Equal(Numerics.ERR_HELPNOTFOUND, reply.Command);
        Assert.Equal("THISISNOTACOMMAND", reply.Parameters[1]);
    }

    [Fact]
    public void HelpTexts_CoverEveryCommandInTheTable()
    {
        var missing = CommandTable.CreateDefault().Verbs.Where(v => !ServerQueryCommands.HelpTexts.ContainsKey(v)).ToList();

        Assert.Empty(missing);
    }

    [Theory]
    [InlineData("LINKS", "*", true, true)]
    [InlineData("LINKS *.parley", "*.parley", true, true)]
    [InlineData("LINKS test.parley *", "*", true, true)]
    [InlineData("LINKS test.*", "test.*", true, false)]
    [InlineData("LINKS services.*", "services.*", false, true)]
    [InlineData("LINKS other.*", "other.*", false, false)]
    public async Task Links_ListsThisServerAndItsServicesWhenTheyMatch(string line, string endMask, bool self, bool services)
    {
        await using var server = new TestServer(new ServerOptions { Description = "test server", ServicesName = "services.parley" });
        var alice = await server.ConnectRegisteredAsync("alice");

        var all = await AskAsync(alice, line);

        var links = all.Where(m => m.Command == Numerics.RPL_LINKS).Select(m => m.Parameters.ToArray()).ToList();
        var expected = new List<string[]>();
        if (self)
        {
            expected.Add(["alice", TestServer.Name, TestServer.Name, "0 test server"]);
        }
        if (services)
        {
            expected.Add(["alice", "services.parley", TestServer.Name, "1 Parley services (NickServ)"]);
        }
        Assert.Equal(expected, links);
        Assert.Equal(expected.Count + 1, all.Count);
        Assert.Equal(["alice", endMask, "End of /LINKS list"], all[^1].Parameters);
    }

    [Fact]
    public async Task Lusers_CountsFollowRegistrationModesOperAndQuit()
    {
        await using var server = new TestServer(Opers.Options("*@127.0.0.1"));
        var alice = await server.ConnectRegisteredAsync("alice");
        var bob = await server.ConnectRegisteredAsync("bob");
        var carol = await server.ConnectRegisteredAsync("carol");
        var unregistered = server.Connect();
        await unregistered.SendAsync("NICK dave");
        await unregistered.SyncAsync();

        async Task<string[]> CountsAsync()
        {
            var all = await AskAsync(alice, "LUSERS");
            string Param(string numeric, int i) => all.Single(m => m.Command == numeric).Parameters[i];
            return [Param(Numerics.RPL_LUSERCLIENT, 1), Param(Numerics.RPL_LUSEROP, 1), Param(Numerics.RPL_LUSERUNKNOWN, 1), Param(Numerics.RPL_LOCALUSERS, 1), Param(Numerics.RPL_LOCALUSERS, 2)];
        }

        Assert.Equal(["There are 3 users and 0 invisible on 1 servers", "0", "1", "3", "3"], await CountsAsync());

        await bob.SendAsync("MODE bob +i");
        await Opers.OperAsync(carol);
        await bob.SyncAsync();
        Assert.Equal(["There are 2 users and 1 invisible on 1 servers", "1", "1", "3", "3"], await CountsAsync());

        await carol.SendAsync("MODE carol -o");
        await bob.SendAsync("QUIT :bye");
        await carol.SyncAsync();
        await bob.ReadUntilClosedAsync();
        await unregistered.SendAsync("USER dave 0 * :Dave");
        await unregistered.ExpectAsync(Numerics.RPL_WELCOME);
        Assert.Equal(["There are 3 users and 0 invisible on 1 servers", "0", "0", "3", "3"], await CountsAsync());
    }

    [Fact]
    public async Task StatsU_RepliesUptimeThenEnd()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");
        server.Time.Advance(new TimeSpan(1, 2, 3, 4));

        // A day of silence also brings the keepalive PING, which is not the reply.
        var all = (await AskAsync(alice, "STATS u")).Where(m => m.Command != "PING").ToList();

        Assert.Equal([Numerics.RPL_STATSUPTIME, Numerics.RPL_ENDOFSTATS], all.Select(m => m.Command));
        Assert.Equal("Server Up 1 days 2:03:04", all[0].Parameters[1]);
        Assert.Equal(["alice", "u", "End of /STATS report"], all[1].Parameters);
    }

    [Fact]
    public async Task StatsO_ListsOperatorBlocksToOpersOnly()
    {
        await using var server = new TestServer(Opers.Options("*@127.0.0.1"));
        var alice = await server.ConnectRegisteredAsync("alice");
        var oper = await server.ConnectRegisteredAsync("oper");
        await Opers.OperAsync(oper);

        var denied = await AskAsync(alice, "STATS o");
        var listed = await AskAsync(oper, "STATS o");

        Assert.Equal([Numerics.ERR_NOPRIVILEGES, Numerics.RPL_ENDOFSTATS], denied.Select(m => m.Command));
        Assert.Equal([Numerics.RPL_STATSOLINE, Numerics.RPL_ENDOFSTATS], listed.Select(m => m.Command));
        Assert.Equal(["oper", "O", "*@127.0.0.1", "*", Opers.Name], listed[0].Parameters);
    }

    [Theory]
    [InlineData("STATS x", "x")]
    [InlineData("STATS m", "m")]
    public async Task Stats_UnsupportedQuery_RepliesOnlyEnd(string line, string letter)
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");

        var reply = Assert.Single(await AskAsync(alice, line));

        Assert.Equal(["alice", letter, "End of /STATS report"], reply.Parameters);
    }
}
