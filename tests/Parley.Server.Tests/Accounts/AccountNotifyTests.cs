using Parley.Protocol;
using Parley.Server.Tests.Infrastructure;
using static Parley.Server.Tests.Accounts.Sasl;

namespace Parley.Server.Tests.Accounts;

public sealed class AccountNotifyTests
{
    private static async Task AuthenticateAsync(TestClient c, string account, string password)
    {
        await c.SendAsync("AUTHENTICATE PLAIN");
        await c.ExpectAsync("AUTHENTICATE");
        await c.SendAsync("AUTHENTICATE " + Plain(account, password));
        await c.ExpectAsync(Numerics.RPL_SASLSUCCESS);
    }

    [Fact]
    public async Task LoginAfterRegistration_ChannelMembersWithTheCapSeeAccount()
    {
        await using var server = new TestServer();
        await server.CreateAccountAsync("Jilles", "sesame");
        var alice = await server.ConnectRegisteredAsync("alice", "account-notify");
        var carol = await server.ConnectRegisteredAsync("carol");
        var bob = await server.ConnectRegisteredAsync("bob", "sasl");
        foreach (var c in new[] { alice, carol, bob })
        {
            await c.SendAsync("JOIN #chan");
            await c.SyncAsync();
        }
        await alice.SyncAsync();
        await carol.SyncAsync();

        await AuthenticateAsync(bob, "jilles", "sesame");

        var account = await alice.ExpectAsync("ACCOUNT");
        Assert.Equal("bob!~bob@127.0.0.1", account.Source);
        Assert.Equal(["Jilles"], account.Parameters);
        Assert.DoesNotContain(await carol.SyncAsync(), m => m.Command == "ACCOUNT");
        // bob has no account-notify: its own login shows only in the numerics.
        Assert.DoesNotContain(await bob.SyncAsync(), m => m.Command == "ACCOUNT");
    }

    [Fact]
    public async Task Logout_SendsAccountStar()
    {
        await using var server = new TestServer();
        await server.CreateAccountAsync("jilles", "sesame");
        var alice = await server.ConnectRegisteredAsync("alice", "account-notify");
        var bob = await ConnectLoggedInAsync(server, "bob", "jilles", "sesame");
        await alice.SendAsync("JOIN #chan");
        await alice.SyncAsync();
        await bob.SendAsync("JOIN #chan");
        await bob.SyncAsync();
        await alice.SyncAsync();

        await bob.SendAsync("PRIVMSG NickServ :LOGOUT");
        var loggedOut = await bob.ExpectAsync(Numerics.RPL_LOGGEDOUT);
        Assert.Equal(["bob", "bob!~bob@127.0.0.1", "You are now logged out"], loggedOut.Parameters);
        var account = await alice.ExpectAsync("ACCOUNT");
        Assert.Equal(["*"], account.Parameters);
        Assert.Null(bob.Session.User.Account);
    }

    [Fact]
    public async Task LoginBeforeRegistration_NotifiesNobody()
    {
        await using var server = new TestServer();
        await server.CreateAccountAsync("jilles", "sesame");
        var alice = await server.ConnectRegisteredAsync("alice", "account-notify", "extended-monitor");
        // MONITOR's command is another family's; the Network call is what it makes.
        server.Context.Network.MonitorAdd(alice.Session.User, ["bob"]);
        await ConnectLoggedInAsync(server, "bob", "jilles", "sesame");
        var seen = await alice.SyncAsync();
        Assert.Contains(seen, m => m.Command == Numerics.RPL_MONONLINE);
        Assert.DoesNotContain(seen, m => m.Command == "ACCOUNT");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task MonitorWatcher_SeesAccountOnlyWithExtendedMonitor(bool extendedMonitor)
    {
        await using var server = new TestServer();
        await server.CreateAccountAsync("jilles", "sesame");
        string[] caps = extendedMonitor ? ["account-notify", "extended-monitor"] : ["account-notify"];
        var alice = await server.ConnectRegisteredAsync("alice", caps);
        var bob = await server.ConnectRegisteredAsync("bob", "sasl");
        server.Context.Network.MonitorAdd(alice.Session.User, ["bob"]);

        await AuthenticateAsync(bob, "jilles", "sesame");
        var seen = await alice.SyncAsync();
        Assert.Equal(extendedMonitor, seen.Any(m => m.Command == "ACCOUNT" && m.Parameters[0] == "jilles"));
    }

    [Fact]
    public async Task ExtendedJoinAndAccountTag_CarryTheAccount()
    {
        await using var server = new TestServer();
        await server.CreateAccountAsync("jilles", "sesame");
        var foo = await server.ConnectRegisteredAsync("foo", "extended-join", "account-tag");
        await foo.SendAsync("JOIN #chan");
        await foo.SyncAsync();
        var bar = await ConnectLoggedInAsync(server, "bar", "jilles", "sesame");

        await bar.SendAsync("JOIN #chan");
        var join = await foo.ExpectAsync("JOIN");
        Assert.Equal(["#chan", "jilles", "bar real"], join.Parameters);

        await bar.SendAsync("PRIVMSG foo :hi");
        var privmsg = await foo.ExpectAsync("PRIVMSG");
        Assert.Equal("jilles", privmsg.GetTag("account"));
    }
}
