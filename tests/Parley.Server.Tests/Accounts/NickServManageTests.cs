using Parley.Protocol;
using Parley.Server.Tests.Infrastructure;

namespace Parley.Server.Tests.Accounts;

/// <summary>NickServ PASSWD / SET PASSWORD, DROP, INFO, and several connections on one account.</summary>
public sealed class NickServManageTests
{
    private static async Task<List<string>> NoticesAsync(TestClient c)
        => (await c.SyncAsync()).Where(m => m.Command == "NOTICE" && m.Source == "NickServ!NickServ@services.parley").Select(m => m.Parameters[1]).ToList();

    private static async Task<TestClient> LoggedInAsync(TestServer server, string nick, string account, string password)
    {
        var c = server.Connect();
        await c.SendAsync($"PASS {account}:{password}");
        await c.RegisterAsync(nick);
        await c.SyncAsync();
        Assert.Equal(account, c.Session.User.Account);
        return c;
    }

    [Fact]
    public async Task Passwd_ChecksTheCurrentPassword_ThenChangesIt()
    {
        await using var server = new TestServer();
        await server.CreateAccountAsync("alice", "oldpass");
        var c = await LoggedInAsync(server, "alice", "alice", "oldpass");
        await c.SendAsync("PRIVMSG NickServ :PASSWD wrong newpass");
        Assert.Equal(["Wrong password."], await NoticesAsync(c));
        Assert.NotNull(await server.Accounts.VerifyAsync("alice", "oldpass"));

        await c.SendAsync("PRIVMSG NickServ :SET PASSWORD oldpass newpass");
        Assert.Equal(["Your password has been changed."], await NoticesAsync(c));
        Assert.NotNull(await server.Accounts.VerifyAsync("alice", "newpass"));
        Assert.Null(await server.Accounts.VerifyAsync("alice", "oldpass"));

        await c.SendAsync("PRIVMSG NickServ :PASSWD newpass a b");
        Assert.Equal(["The new passwords do not match."], await NoticesAsync(c));
        var anonymous = await server.ConnectRegisteredAsync("bob");
        await anonymous.SendAsync("PRIVMSG NickServ :PASSWD a b");
        Assert.Equal(["You must be logged in to change your password."], await NoticesAsync(anonymous));
    }

    [Fact]
    public async Task Drop_WithThePassword_DeletesTheAccountAndLogsEveryConnectionOut()
    {
        await using var server = new TestServer();
        await server.CreateAccountAsync("alice", "sesame");
        var first = await LoggedInAsync(server, "alice", "alice", "sesame");
        var second = await LoggedInAsync(server, "alice_phone", "alice", "sesame");

        await second.SendAsync("PRIVMSG NickServ :DROP wrong");
        Assert.Equal(["Wrong password."], await NoticesAsync(second));
        Assert.NotNull(await server.Accounts.GetAsync("alice"));

        await second.SendAsync("PRIVMSG NickServ :DROP sesame");
        var replies = await second.SyncAsync();
        Assert.Contains(replies, m => m.Command == "NOTICE" && m.Parameters[1] == "Account alice has been dropped.");
        Assert.Contains(replies, m => m.Command == Numerics.RPL_LOGGEDOUT);
        Assert.Null(await server.Accounts.GetAsync("alice"));
        Assert.Null(second.Session.User.Account);

        Assert.Equal(Numerics.RPL_LOGGEDOUT, (await first.ExpectAsync(Numerics.RPL_LOGGEDOUT)).Command);
        Assert.Null(first.Session.User.Account);
    }

    [Fact]
    public async Task Info_ShowsTheAccount_TheEmailOnlyToItsOwner()
    {
        await using var server = new TestServer();
        Assert.Equal(Storage.AccountResult.Ok, await server.Accounts.CreateAsync("alice", "sesame", "alice@example.org"));
        var alice = await LoggedInAsync(server, "alice", "alice", "sesame");
        var bob = await server.ConnectRegisteredAsync("bob");

        await alice.SendAsync("PRIVMSG NickServ :INFO");
        var own = await NoticesAsync(alice);
        Assert.Equal("Account alice", own[0]);
        Assert.StartsWith("  registered 2026-11-25", own[1], StringComparison.Ordinal);
        Assert.Contains("  e-mail alice@example.org", own);
        Assert.Contains("  logged in now as alice", own);

        await bob.SendAsync("PRIVMSG NickServ :INFO ALICE");
        var other = await NoticesAsync(bob);
        Assert.Equal("Account alice", other[0]);
        Assert.DoesNotContain(other, l => l.Contains('@', StringComparison.Ordinal));
        await bob.SendAsync("PRIVMSG NickServ :INFO nobody");
        Assert.Equal(["nobody is not a registered account."], await NoticesAsync(bob));
    }

    [Fact]
    public async Task SecondConnection_KeepsItsNick_AndTheFirstHearsOfItsLogin()
    {
        await using var server = new TestServer();
        await server.CreateAccountAsync("alice", "sesame");
        var first = server.Connect();
        await first.SendAsync("PASS alice:sesame");
        await first.RegisterAsync("alice", "account-notify");
        await first.SyncAsync();

        var second = await server.ConnectRegisteredAsync("laptop", "account-notify");
        await second.SendAsync("PRIVMSG NickServ :IDENTIFY alice sesame");
        await second.ExpectAsync(Numerics.RPL_LOGGEDIN);
        Assert.Equal("laptop", second.Session.Nick);

        var account = await first.ExpectAsync("ACCOUNT");
        Assert.Equal("laptop", account.Source!.Split('!')[0]);
        Assert.Equal("alice", account.Parameters[0]);

        await second.SendAsync("PRIVMSG NickServ :LOGOUT");
        var logout = await first.ExpectAsync("ACCOUNT");
        Assert.Equal(["*"], logout.Parameters);
        Assert.Equal("alice", first.Session.Nick);
    }
}
