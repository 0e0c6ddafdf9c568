using Parley.Protocol;
using Parley.Server.Hosting;
using Parley.Server.Tests.Infrastructure;
using static Parley.Server.Tests.Accounts.Sasl;

namespace Parley.Server.Tests.Accounts;

/// <summary>
/// "See what they missed" (issue 4, Ergo's autoreplay-missed): a client without
/// draft/chathistory that reconnects to its always-on user is replayed, after each channel's
/// JOIN and NAMES, the lines said there while the user had no connection.
/// </summary>
public sealed class AutoreplayMissedTests
{
    private const string Account = "alice";
    private const string Password = "sesame";

    private static async Task<TestServer> ServerAsync(int queryLimit = 1000)
    {
        var server = new TestServer(new ServerOptions
        {
            Accounts = new AccountOptions { Multiclient = new MulticlientOptions { AlwaysOn = AlwaysOnPolicy.Mandatory } },
            History = new HistoryOptions { QueryLimit = queryLimit },
        });
        await server.CreateAccountAsync(Account, Password);
        return server;
    }

    /// <summary>Logs in with SASL PLAIN as alice, registers; returns the connection and everything from the welcome on.</summary>
    private static async Task<(TestClient Client, List<IrcMessage> Burst)> LoginAsync(TestServer server, params string[] caps)
    {
        var c = server.Connect();
        await c.SendAsync("CAP LS 302");
        await c.SendAsync("CAP REQ :" + string.Join(' ', ["sasl", .. caps]));
        await c.SendAsync("NICK " + Account);
        await c.SendAsync($"USER {Account} 0 * :Alice");
        await c.ExpectAsync(m => m.Command == "CAP" && m.Parameters[1] == "ACK");
        await c.SendAsync("AUTHENTICATE PLAIN");
        await c.ExpectAsync("AUTHENTICATE");
        await c.SendAsync("AUTHENTICATE " + Plain(Account, Password));
        await c.ExpectAsync(Numerics.RPL_SASLSUCCESS);
        await c.SendAsync("CAP END");
        return (c, await c.SyncAsync());
    }

    /// <summary>alice (always-on) and bob in #a and #b; alice's connection then quits.</summary>
    private static async Task<TestClient> AliceLeavesAsync(TestServer server, params string[] caps)
    {
        var (s1, _) = await LoginAsync(server, caps);
        await s1.SendAsync("JOIN #a,#b");
        await s1.SyncAsync();
        var bob = await server.ConnectRegisteredAsync("bob");
        await bob.SendAsync("JOIN #a,#b");
        await bob.SendAsync("PRIVMSG #a :said while alice was here");
        await bob.SyncAsync();
        await s1.SyncAsync();
        // Replay starts at the millisecond of the connection's last line (inclusive: a line of
        // that millisecond may come twice, none is lost), so the clock moves on around it.
        server.Time.Advance(TimeSpan.FromSeconds(1));
        await s1.SendAsync("QUIT :laptop closed");
        await s1.Session.Closed.WaitAsync(TestClient.DefaultTimeout);
        server.Time.Advance(TimeSpan.FromSeconds(1));
        return bob;
    }

    private static List<string> Texts(IEnumerable<IrcMessage> lines, string target)
        => [.. lines.Where(m => m.Command == "PRIVMSG" && m.Parameters[0] == target).Select(m => m.Parameters[1])];

    [Fact]
    public async Task Reconnect_ReplaysEachChannelsMissedLines_AfterItsNames_InABatch_WithTheirTimes()
    {
        await using var server = await ServerAsync();
        var bob = await AliceLeavesAsync(server);
        server.Time.Advance(TimeSpan.FromMinutes(5));
        var saidAt = server.Time.GetUtcNow();
        await bob.SendAsync("PRIVMSG #a :first in a");
        await bob.SyncAsync();
        server.Time.Advance(TimeSpan.FromSeconds(1));
        await bob.SendAsync("PRIVMSG #b :only in b");
        await bob.SendAsync("PRIVMSG #a :second in a");
        await bob.SendAsync("PRIVMSG alice :private");
        await bob.SyncAsync();
        server.Time.Advance(TimeSpan.FromMinutes(5));

        var (s2, burst) = await LoginAsync(server, "server-time", "batch", "message-tags");

        Assert.Equal(["first in a", "second in a"], Texts(burst, "#a"));
        Assert.Equal(["only in b"], Texts(burst, "#b"));
        // Private messages come once, by offline delivery.
        Assert.Equal(["private"], Texts(burst, "alice"));
        var first = burst.Single(m => m.Command == "PRIVMSG" && m.Parameters[1] == "first in a");
        Assert.Equal(Network.IrcNetwork.FormatTime(saidAt), first.GetTag("time"));
        Assert.NotNull(first.GetTag("msgid"));
        // After #a's JOIN and NAMES, before #b's JOIN, inside a chathistory batch for #a.
        int Index(Func<IrcMessage, bool> p) => burst.FindIndex(m => p(m));
        var endOfNamesA = Index(m => m.Command == Numerics.RPL_ENDOFNAMES && m.Parameters[1] == "#a");
        var batchA = Index(m => m.Command == "BATCH" && m.Parameters.Count == 3 && m.Parameters[1] == "chathistory" && m.Parameters[2] == "#a");
        var joinB = Index(m => m.Command == "JOIN" && m.Parameters[0] == "#b");
        Assert.True(endOfNamesA >= 0 && endOfNamesA < batchA && batchA < burst.IndexOf(first) && burst.IndexOf(first) < joinB);
        Assert.Equal(burst[batchA].Parameters[0][1..], first.GetTag("batch"));
        Assert.DoesNotContain(burst, m => m.Command == "NOTICE" && m.Parameters[^1].StartsWith("Only the latest", StringComparison.Ordinal));

        // From the attach on, lines come live, once.
        await bob.SendAsync("PRIVMSG #a :live");
        await bob.SyncAsync();
        Assert.Equal(["live"], Texts(await s2.SyncAsync(), "#a"));
    }

    [Fact]
    public async Task WithoutCapabilities_TheLinesComePlain_AsIrssiSeesThem()
    {
        await using var server = await ServerAsync();
        var bob = await AliceLeavesAsync(server);
        await bob.SendAsync("PRIVMSG #a :missed");
        await bob.SendAsync("NOTICE #b :missed notice");
        await bob.SyncAsync();

        var (_, burst) = await LoginAsync(server);

        Assert.Equal(["missed"], Texts(burst, "#a"));
        Assert.Single(burst, m => m.Command == "NOTICE" && m.Parameters[0] == "#b" && m.Parameters[1] == "missed notice");
        Assert.DoesNotContain(burst, m => m.Command == "BATCH");
        Assert.All(burst, m => Assert.Empty(m.Tags));
    }

    [Fact]
    public async Task AClientWithChathistory_IsReplayedNothing_ItAsksItself()
    {
        await using var server = await ServerAsync();
        var bob = await AliceLeavesAsync(server);
        await bob.SendAsync("PRIVMSG #a :missed");
        await bob.SyncAsync();

        var (s2, burst) = await LoginAsync(server, "server-time", "batch", "draft/chathistory");

        Assert.Empty(Texts(burst, "#a"));
        await s2.SendAsync("CHATHISTORY LATEST #a * 10");
        Assert.Contains("missed", Texts(await s2.SyncAsync(), "#a"));
    }

    [Fact]
    public async Task NickServSet_TurnsItOffAndOn_ForTheAccount()
    {
        await using var server = await ServerAsync();
        var (s1, _) = await LoginAsync(server);
        await s1.SendAsync("PRIVMSG NickServ :SET AUTOREPLAY-MISSED OFF");
        Assert.Contains(await s1.SyncAsync(), m => m.Command == "NOTICE" && m.Parameters[^1].StartsWith("Autoreplay-missed is now off", StringComparison.Ordinal));
        Assert.False((await server.Accounts.GetAsync(Account))!.AutoreplayMissed);
        await s1.SendAsync("QUIT");
        await s1.Session.Closed.WaitAsync(TestClient.DefaultTimeout);

        var bob = await AliceLeavesAsync(server);
        await bob.SendAsync("PRIVMSG #a :not replayed");
        await bob.SyncAsync();
        var (s3, burst) = await LoginAsync(server);
        Assert.Empty(Texts(burst, "#a"));
        Assert.Single(burst, m => m.Command == "JOIN" && m.Parameters[0] == "#a");

        await s3.SendAsync("PRIVMSG NickServ :SET AUTOREPLAY-MISSED maybe");
        Assert.Contains(await s3.SyncAsync(), m => m.Command == "NOTICE" && m.Parameters[^1] == "Syntax: SET AUTOREPLAY-MISSED ON|OFF");
        await s3.SendAsync("PRIVMSG NickServ :SET AUTOREPLAY-MISSED ON");
        await s3.SyncAsync();
        Assert.True((await server.Accounts.GetAsync(Account))!.AutoreplayMissed);
        server.Time.Advance(TimeSpan.FromSeconds(1));
        await s3.SendAsync("QUIT");
        await s3.Session.Closed.WaitAsync(TestClient.DefaultTimeout);
        server.Time.Advance(TimeSpan.FromSeconds(1));
        await bob.SendAsync("PRIVMSG #a :replayed");
        await bob.SyncAsync();
        var (_, again) = await LoginAsync(server);
        Assert.Equal(["replayed"], Texts(again, "#a"));
    }

    [Fact]
    public async Task AttachingBesideAConnectedSession_ReplaysNothing()
    {
        await using var server = await ServerAsync();
        var (s1, _) = await LoginAsync(server);
        await s1.SendAsync("JOIN #a");
        await s1.SyncAsync();
        var bob = await server.ConnectRegisteredAsync("bob");
        await bob.SendAsync("JOIN #a");
        await bob.SendAsync("PRIVMSG #a :s1 saw this");
        await bob.SyncAsync();

        var (_, burst) = await LoginAsync(server);

        Assert.Single(burst, m => m.Command == "JOIN" && m.Parameters[0] == "#a");
        Assert.Empty(Texts(burst, "#a"));
    }

    [Fact]
    public async Task AtMostQueryLimitLinesPerChannel_TheNewest_AndANoticeSaysOlderWereLeftOut()
    {
        await using var server = await ServerAsync(queryLimit: 3);
        var bob = await AliceLeavesAsync(server);
        for (var i = 1; i <= 5; i++)
        {
            await bob.SendAsync($"PRIVMSG #a :line {i}");
        }
        await bob.SyncAsync();

        var (_, burst) = await LoginAsync(server, "batch");

        Assert.Equal(["line 3", "line 4", "line 5"], Texts(burst, "#a"));
        Assert.Single(burst, m => m.Command == "NOTICE" && m.Parameters[^1].StartsWith("Only the latest lines you missed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AConnectionClosedWithoutQuit_CountsFromShortlyBeforeTheClose_NotFromItsLastLine()
    {
        await using var server = await ServerAsync();
        var (s1, _) = await LoginAsync(server);
        await s1.SendAsync("JOIN #a");
        await s1.SyncAsync();
        var bob = await server.ConnectRegisteredAsync("bob");
        await bob.SendAsync("JOIN #a");
        await bob.SyncAsync();
        server.Time.Advance(TimeSpan.FromSeconds(30));
        await bob.SendAsync("PRIVMSG #a :alice's client read this");
        await bob.SyncAsync();
        server.Time.Advance(TimeSpan.FromSeconds(30));

        // The client goes away without QUIT (its socket closed in order, as a killed WeeChat's).
        await s1.DisposeAsync();
        await s1.Session.Closed.WaitAsync(TestClient.DefaultTimeout);
        server.Time.Advance(TimeSpan.FromSeconds(1));
        await bob.SendAsync("PRIVMSG #a :after the close");
        await bob.SyncAsync();

        var (_, burst) = await LoginAsync(server);
        Assert.Equal(["after the close"], Texts(burst, "#a"));
    }

    [Fact]
    public async Task AConnectionDroppedForSilence_CountsFromItsLastLine()
    {
        await using var server = await ServerAsync();
        var (s1, _) = await LoginAsync(server);
        await s1.SendAsync("JOIN #a");
        await s1.SyncAsync();
        var bob = await server.ConnectRegisteredAsync("bob");
        await bob.SendAsync("JOIN #a");
        await bob.SyncAsync();
        server.Time.Advance(TimeSpan.FromSeconds(1));
        // Sent to a connection that had stopped reading: it may never have shown it.
        await bob.SendAsync("PRIVMSG #a :into the void");
        await bob.SyncAsync();

        // No answer to the server's PING: dropped after the interval and the timeout.
        for (var i = 0; i < 40 && !s1.Session.IsClosing; i++)
        {
            server.Time.Advance(TimeSpan.FromSeconds(5));
            await bob.SendAsync("PONG :keepalive");
            await bob.SyncAsync();
        }
        await s1.Session.Closed.WaitAsync(TestClient.DefaultTimeout);

        var (_, burst) = await LoginAsync(server);
        Assert.Equal(["into the void"], Texts(burst, "#a"));
    }
}
