using Parley.Protocol;
using Parley.Server.Hosting;
using Parley.Server.Tests.Infrastructure;
using Parley.Server.Tests.Operators;
using static Parley.Server.Tests.Accounts.Sasl;

namespace Parley.Server.Tests.Accounts;

/// <summary>
/// Multiclient (issue 4 part 7, as Ergo's): connections logged in to one account share its
/// user: one nick, the same channels, every message.
/// </summary>
public sealed class MulticlientTests
{
    private const string Account = "alice";
    private const string Password = "sesame";

    private static async Task<TestServer> ServerAsync(bool enabled = true, AlwaysOnPolicy alwaysOn = AlwaysOnPolicy.Disabled)
    {
        var server = new TestServer(Opers.Options() with
        {
            Accounts = new AccountOptions { Multiclient = new MulticlientOptions { Enabled = enabled, AlwaysOn = alwaysOn } },
        });
        await server.CreateAccountAsync(Account, Password);
        await server.CreateAccountAsync("mallory", "other");
        return server;
    }

    /// <summary>
    /// A connection that logs in with SASL PLAIN and registers as <paramref name="nick"/>
    /// (NICK before AUTHENTICATE when <paramref name="nickFirst"/>, as most clients send it);
    /// returns it with everything it got from the welcome on (the burst, any replay).
    /// </summary>
    private static async Task<(TestClient Client, List<IrcMessage> Burst)> LoginAsync(
        TestServer server, string nick = Account, string account = Account, string password = Password, bool nickFirst = false, params string[] caps)
    {
        var c = server.Connect();
        await c.SendAsync("CAP LS 302");
        await c.SendAsync("CAP REQ :" + string.Join(' ', ["sasl", .. caps]));
        if (nickFirst)
        {
            await c.SendAsync("NICK " + nick);
            await c.SendAsync($"USER {nick} 0 * :{nick} real");
        }
        await c.ExpectAsync(m => m.Command == "CAP" && m.Parameters[1] == "ACK");
        await c.SendAsync("AUTHENTICATE PLAIN");
        await c.ExpectAsync("AUTHENTICATE");
        await c.SendAsync("AUTHENTICATE " + Plain(account, password));
        await c.ExpectAsync(m => m.Command is Numerics.RPL_SASLSUCCESS or Numerics.ERR_SASLFAIL);
        if (!nickFirst)
        {
            await c.SendAsync("NICK " + nick);
            await c.SendAsync($"USER {nick} 0 * :{nick} real");
        }
        await c.SendAsync("CAP END");
        var burst = await c.SyncAsync();
        return (c, burst);
    }

    private static string? WelcomedAs(List<IrcMessage> burst)
        => burst.FirstOrDefault(m => m.Command == Numerics.RPL_WELCOME)?.Parameters[0];

    private static Task WaitClosedAsync(TestClient c) => c.Session.Closed.WaitAsync(TestClient.DefaultTimeout);

    [Fact]
    public async Task SecondLogin_WithTheHeldNick_SharesItAndIsShownTheChannels()
    {
        await using var server = await ServerAsync();
        var (first, _) = await LoginAsync(server);
        await first.SendAsync("JOIN #a");
        await first.SendAsync("TOPIC #a :the topic");
        await first.SyncAsync();
        var bob = await server.ConnectRegisteredAsync("bob");
        await bob.SendAsync("JOIN #a");
        await bob.SyncAsync();
        await first.SyncAsync();

        var (second, burst) = await LoginAsync(server);

        Assert.Equal("alice", WelcomedAs(burst));
        Assert.DoesNotContain(burst, m => m.Command == Numerics.ERR_NICKNAMEINUSE);
        var join = Assert.Single(burst, m => m.Command == "JOIN");
        Assert.Equal("alice!~alice@127.0.0.1", join.Source);
        Assert.Equal("#a", join.Parameters[0]);
        Assert.Contains(burst, m => m.Command == Numerics.RPL_TOPIC && m.Parameters[^1] == "the topic");
        var names = Assert.Single(burst, m => m.Command == Numerics.RPL_NAMREPLY);
        Assert.Equal(["@alice", "bob"], names.Parameters[^1].Split(' ').Order());
        Assert.True(burst.FindIndex(m => m.Command == "JOIN") > burst.FindIndex(m => m.Command is Numerics.RPL_ENDOFMOTD or Numerics.ERR_NOMOTD));
        // Nobody else sees anything of it: no JOIN, no new user.
        Assert.Empty(await bob.SyncAsync());
        Assert.Empty(await first.SyncAsync());

        await bob.SendAsync("WHOIS alice");
        var whois = await bob.SyncAsync();
        Assert.Single(whois, m => m.Command == Numerics.RPL_WHOISUSER);
        await bob.SendAsync("LUSERS");
        Assert.Contains("There are 2 users", Assert.Single(await bob.SyncAsync(), m => m.Command == Numerics.RPL_LUSERCLIENT).Parameters[^1]);
    }

    [Fact]
    public async Task NickBeforeSasl_AttachesToo()
    {
        await using var server = await ServerAsync();
        var (first, _) = await LoginAsync(server);

        var (second, burst) = await LoginAsync(server, nickFirst: true);

        Assert.Equal("alice", WelcomedAs(burst));
        Assert.DoesNotContain(burst, m => m.Command == Numerics.ERR_NICKNAMEINUSE);
        Assert.Equal("alice", second.Session.Nick);
        Assert.Same(first.Session.User, second.Session.User);
    }

    [Fact]
    public async Task PassLogin_AttachesToo()
    {
        await using var server = await ServerAsync();
        var (first, _) = await LoginAsync(server);

        var second = server.Connect();
        await second.SendAsync($"PASS {Account}:{Password}");
        await second.SendAsync("NICK alice");
        await second.SendAsync("USER a 0 * :a");
        var burst = await second.SyncAsync();

        Assert.Equal("alice", WelcomedAs(burst));
        Assert.Same(first.Session.User, second.Session.User);
    }

    [Fact]
    public async Task ThreeSessions_PrivateAndChannelMessagesReachEveryOne()
    {
        await using var server = await ServerAsync();
        var (s1, _) = await LoginAsync(server);
        await s1.SendAsync("JOIN #a");
        await s1.SyncAsync();
        var (s2, _) = await LoginAsync(server);
        var (s3, _) = await LoginAsync(server, caps: "message-tags");
        var bob = await server.ConnectRegisteredAsync("bob");
        await bob.SendAsync("JOIN #a");
        await bob.SyncAsync();
        foreach (var s in new[] { s1, s2, s3 })
        {
            Assert.Contains(await s.SyncAsync(), m => m.Command == "JOIN" && m.Source!.StartsWith("bob!", StringComparison.Ordinal));
        }

        await bob.SendAsync("PRIVMSG alice :hi there");
        await bob.SendAsync("PRIVMSG #a :hello channel");
        await bob.SendAsync("@+typing=active TAGMSG alice");
        await bob.SyncAsync();

        foreach (var s in new[] { s1, s2, s3 })
        {
            var got = await s.SyncAsync();
            Assert.Single(got, m => m.Command == "PRIVMSG" && m.Parameters[0] == "alice" && m.Parameters[1] == "hi there");
            Assert.Single(got, m => m.Command == "PRIVMSG" && m.Parameters[0] == "#a" && m.Parameters[1] == "hello channel");
            // TAGMSG only to the connection with message-tags.
            Assert.Equal(s == s3 ? 1 : 0, got.Count(m => m.Command == "TAGMSG"));
        }
    }

    [Fact]
    public async Task WhatOneSessionSends_IsCopiedToTheOthers()
    {
        await using var server = await ServerAsync();
        var (s1, _) = await LoginAsync(server);
        await s1.SendAsync("JOIN #a");
        await s1.SyncAsync();
        var (s2, _) = await LoginAsync(server, caps: "echo-message");
        var bob = await server.ConnectRegisteredAsync("bob");
        await bob.SendAsync("JOIN #a");
        await bob.SyncAsync();
        await s1.SyncAsync();
        await s2.SyncAsync();

        await s1.SendAsync("PRIVMSG bob :private from s1");
        await s1.SendAsync("PRIVMSG #a :public from s1");
        var own = await s1.SyncAsync();

        // s1 has no echo-message: it gets nothing back; s2 sees both as sent by alice.
        Assert.DoesNotContain(own, m => m.Command == "PRIVMSG");
        var copies = await s2.SyncAsync();
        Assert.Single(copies, m => m.Command == "PRIVMSG" && m.Source!.StartsWith("alice!", StringComparison.Ordinal) && m.Parameters[0] == "bob" && m.Parameters[1] == "private from s1");
        Assert.Single(copies, m => m.Command == "PRIVMSG" && m.Parameters[0] == "#a" && m.Parameters[1] == "public from s1");
        var atBob = await bob.SyncAsync();
        Assert.Equal(2, atBob.Count(m => m.Command == "PRIVMSG"));

        // s2 has echo-message: its echo once, and s1 its copy once.
        await s2.SendAsync("PRIVMSG #a :from s2");
        Assert.Single(await s2.SyncAsync(), m => m.Command == "PRIVMSG" && m.Parameters[1] == "from s2");
        Assert.Single(await s1.SyncAsync(), m => m.Command == "PRIVMSG" && m.Parameters[1] == "from s2");
        Assert.Single(await bob.SyncAsync(), m => m.Command == "PRIVMSG" && m.Parameters[1] == "from s2");
    }

    [Fact]
    public async Task JoinAndPartFromOneSession_AreSeenByTheOthers()
    {
        await using var server = await ServerAsync();
        var (s1, _) = await LoginAsync(server);
        var (s2, _) = await LoginAsync(server, caps: "extended-join");
        var bob = await server.ConnectRegisteredAsync("bob");
        await bob.SendAsync("JOIN #a");
        await bob.SyncAsync();

        await s1.SendAsync("JOIN #a");
        Assert.Single(await s1.SyncAsync(), m => m.Command == "JOIN");
        var seen = await s2.SyncAsync();
        var join = Assert.Single(seen, m => m.Command == "JOIN");
        Assert.Equal(["#a", "alice", "alice real"], join.Parameters); // extended-join, as s2 asked
        Assert.Equal(["@bob", "alice"], Assert.Single(seen, m => m.Command == Numerics.RPL_NAMREPLY).Parameters[^1].Split(' '));
        Assert.True(seen.FindIndex(m => m.Command == Numerics.RPL_ENDOFNAMES) > seen.FindIndex(m => m.Command == "JOIN"));
        Assert.Single(await bob.SyncAsync(), m => m.Command == "JOIN");

        await s2.SendAsync("PART #a :bye");
        Assert.Single(await s2.SyncAsync(), m => m.Command == "PART");
        Assert.Single(await s1.SyncAsync(), m => m.Command == "PART");
        Assert.Single(await bob.SyncAsync(), m => m.Command == "PART");
    }

    [Fact]
    public async Task NickChangeFromOneSession_MovesThemAll()
    {
        await using var server = await ServerAsync();
        var (s1, _) = await LoginAsync(server);
        await s1.SendAsync("JOIN #a");
        await s1.SyncAsync();
        var (s2, _) = await LoginAsync(server);
        var bob = await server.ConnectRegisteredAsync("bob");
        await bob.SendAsync("JOIN #a");
        await bob.SyncAsync();
        await s1.SyncAsync();
        await s2.SyncAsync();

        await s1.SendAsync("NICK alice_away");
        Assert.Single(await s1.SyncAsync(), m => m.Command == "NICK");
        Assert.Equal(["alice_away"], Assert.Single(await s2.SyncAsync(), m => m.Command == "NICK").Parameters);
        Assert.Single(await bob.SyncAsync(), m => m.Command == "NICK");
        Assert.Equal("alice_away", s2.Session.Nick);

        await bob.SendAsync("PRIVMSG alice_away :found you");
        await bob.SyncAsync();
        Assert.Single(await s1.SyncAsync(), m => m.Command == "PRIVMSG");
        Assert.Single(await s2.SyncAsync(), m => m.Command == "PRIVMSG");
    }

    [Fact]
    public async Task OnlyTheLastSessionLeaving_QuitsTheUser()
    {
        await using var server = await ServerAsync();
        var (s1, _) = await LoginAsync(server);
        await s1.SendAsync("JOIN #a");
        await s1.SyncAsync();
        var (s2, _) = await LoginAsync(server);
        var (s3, _) = await LoginAsync(server);
        var bob = await server.ConnectRegisteredAsync("bob");
        await bob.SendAsync("MONITOR + alice");
        await bob.SendAsync("JOIN #a");
        await bob.SyncAsync();

        await s1.SendAsync("QUIT :first goes");
        await WaitClosedAsync(s1);
        await s2.DisposeAsync(); // the connection drops without QUIT
        await WaitClosedAsync(s2);
        var meanwhile = await bob.SyncAsync();
        Assert.DoesNotContain(meanwhile, m => m.Command is "QUIT" or Numerics.RPL_MONOFFLINE);
        Assert.Equal(2, server.Context.SessionCount); // s3 and bob: each connection is counted on its own
        Assert.DoesNotContain(await s3.SyncAsync(), m => m.Command == "QUIT");
        await bob.SendAsync("PRIVMSG alice :still there?");
        await bob.SyncAsync();
        Assert.Single(await s3.SyncAsync(), m => m.Command == "PRIVMSG");

        await s3.SendAsync("QUIT :last goes");
        await WaitClosedAsync(s3);
        var end = await bob.SyncAsync();
        Assert.Equal(["Quit: last goes"], Assert.Single(end, m => m.Command == "QUIT").Parameters);
        Assert.Single(end, m => m.Command == Numerics.RPL_MONOFFLINE);
        await bob.SendAsync("WHOIS alice");
        Assert.Contains(await bob.SyncAsync(), m => m.Command == Numerics.ERR_NOSUCHNICK);
    }

    [Fact]
    public async Task AnotherAccount_CannotAttach()
    {
        await using var server = await ServerAsync();
        var (first, _) = await LoginAsync(server);

        var (other, burst) = await LoginAsync(server, account: "mallory", password: "other");

        Assert.Contains(burst, m => m.Command == Numerics.ERR_NICKNAMEINUSE);
        Assert.Null(WelcomedAs(burst));
        Assert.NotSame(first.Session.User, other.Session.User);
        await other.SendAsync("NICK mallory");
        Assert.Contains(await other.SyncAsync(), m => m.Command == Numerics.RPL_WELCOME);
    }

    [Fact]
    public async Task WithoutLogin_TheNickIsInUse()
    {
        await using var server = await ServerAsync();
        await LoginAsync(server);

        var anonymous = server.Connect();
        await anonymous.SendAsync("NICK alice");
        await anonymous.SendAsync("USER a 0 * :a");
        var got = await anonymous.SyncAsync();

        Assert.Contains(got, m => m.Command == Numerics.ERR_NICKNAMEINUSE);
        Assert.DoesNotContain(got, m => m.Command == Numerics.RPL_WELCOME);
    }

    [Fact]
    public async Task Disabled_EachConnectionNeedsItsOwnNick()
    {
        await using var server = await ServerAsync(enabled: false);
        var (first, _) = await LoginAsync(server, caps: "account-notify");

        var (second, burst) = await LoginAsync(server);

        Assert.Contains(burst, m => m.Command == Numerics.ERR_NICKNAMEINUSE);
        await second.SendAsync("NICK alice2");
        Assert.Contains(await second.SyncAsync(), m => m.Command == Numerics.RPL_WELCOME);
        Assert.NotSame(first.Session.User, second.Session.User);
        // The old fallback: the other connection of the account hears of the login.
        await second.SendAsync("PRIVMSG NickServ :LOGOUT");
        await second.SyncAsync();
        Assert.Equal(["*"], Assert.Single(await first.SyncAsync(), m => m.Command == "ACCOUNT").Parameters);
    }

    [Fact]
    public async Task MarkRead_ReachesTheOtherSessions()
    {
        await using var server = await ServerAsync();
        var (s1, _) = await LoginAsync(server, caps: "draft/read-marker");
        await s1.SendAsync("JOIN #a");
        await s1.SyncAsync();
        var (s2, burst) = await LoginAsync(server, caps: "draft/read-marker");
        Assert.Single(burst, m => m.Command == "MARKREAD" && m.Parameters[0] == "#a");

        await s1.SendAsync("MARKREAD #a timestamp=2026-11-25T11:00:00.000Z");
        await s1.SyncAsync();

        Assert.Equal(["#a", "timestamp=2026-11-25T11:00:00.000Z"], Assert.Single(await s2.SyncAsync(), m => m.Command == "MARKREAD").Parameters);
    }

    [Fact]
    public async Task AlwaysOn_TheUserStaysWithoutConnections_AndTheNextOneGetsWhatItMissed()
    {
        await using var server = await ServerAsync(alwaysOn: AlwaysOnPolicy.Mandatory);
        var (s1, _) = await LoginAsync(server);
        await s1.SendAsync("JOIN #a");
        await s1.SyncAsync();
        var bob = await server.ConnectRegisteredAsync("bob");
        await bob.SendAsync("JOIN #a");
        await bob.SyncAsync();

        await s1.SendAsync("QUIT :gone for now");
        await WaitClosedAsync(s1);
        Assert.DoesNotContain(await bob.SyncAsync(), m => m.Command == "QUIT");
        await bob.SendAsync("PRIVMSG alice :while you were out");
        await bob.SendAsync("PRIVMSG #a :channel news");
        var sent = await bob.SyncAsync();
        Assert.DoesNotContain(sent, m => m.Command == Numerics.ERR_NOSUCHNICK);
        // Away while nobody is connected (as Ergo's auto-away), so bob knows it waits.
        Assert.Equal(["bob", "alice", Network.IrcNetwork.AutoAwayMessage], Assert.Single(sent, m => m.Command == Numerics.RPL_AWAY).Parameters);

        var (s2, burst) = await LoginAsync(server, caps: "server-time");

        Assert.Equal("alice", WelcomedAs(burst));
        Assert.Single(burst, m => m.Command == "JOIN" && m.Parameters[0] == "#a");
        Assert.Contains(burst, m => m.Command == "NOTICE" && m.Parameters[^1].Contains("1 message", StringComparison.Ordinal));
        Assert.Single(burst, m => m.Command == "PRIVMSG" && m.Parameters[^1] == "while you were out");
        Assert.Empty(await bob.SyncAsync());
        await bob.SendAsync("PRIVMSG alice :welcome back");
        Assert.DoesNotContain(await bob.SyncAsync(), m => m.Command == Numerics.RPL_AWAY);
    }

    [Fact]
    public async Task AlwaysOn_OptIn_IsTheAccountsChoice()
    {
        await using var server = await ServerAsync(alwaysOn: AlwaysOnPolicy.OptIn);
        var (s1, _) = await LoginAsync(server);
        var bob = await server.ConnectRegisteredAsync("bob");
        await bob.SendAsync("MONITOR + alice");
        await bob.SyncAsync();
        await s1.SendAsync("QUIT");
        await WaitClosedAsync(s1);
        Assert.Single(await bob.SyncAsync(), m => m.Command == Numerics.RPL_MONOFFLINE);

        var (s2, _) = await LoginAsync(server);
        await s2.SendAsync("PRIVMSG NickServ :SET ALWAYS-ON ON");
        Assert.Contains(await s2.SyncAsync(), m => m.Command == "NOTICE" && m.Parameters[^1].StartsWith("Always-on is now on", StringComparison.Ordinal));
        Assert.True((await server.Accounts.GetAsync(Account))!.AlwaysOn);
        await bob.SyncAsync();
        await s2.SendAsync("QUIT");
        await WaitClosedAsync(s2);
        Assert.DoesNotContain(await bob.SyncAsync(), m => m.Command == Numerics.RPL_MONOFFLINE);

        // An operator's KILL removes it for good.
        var oper = await server.ConnectRegisteredAsync("oper");
        await Opers.OperAsync(oper);
        await oper.SendAsync("KILL alice :enough");
        await oper.SyncAsync();
        Assert.Single(await bob.SyncAsync(), m => m.Command == Numerics.RPL_MONOFFLINE);
    }

    [Fact]
    public async Task AlwaysOn_Disabled_CannotBeChosen()
    {
        await using var server = await ServerAsync();
        var (s1, _) = await LoginAsync(server);

        await s1.SendAsync("PRIVMSG NickServ :SET ALWAYS-ON ON");

        Assert.Contains(await s1.SyncAsync(), m => m.Command == "NOTICE" && m.Parameters[^1] == "Always-on is disabled on this server.");
        Assert.Null((await server.Accounts.GetAsync(Account))!.AlwaysOn);
    }
}
