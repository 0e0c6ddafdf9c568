using Parley.Protocol;
using Parley.Server.Hosting;
using Parley.Server.Tests.Infrastructure;

namespace Parley.Server.Tests.Accounts;

public sealed class NickServTests
{
    private static async Task<List<string>> NoticesAsync(TestClient c)
        => (await c.SyncAsync()).Where(m => m.Command == "NOTICE" && m.Source == "NickServ!NickServ@services.parley").Select(m => m.Parameters[1]).ToList();

    [Fact]
    public async Task Identify_WithPasswordOnly_UsesTheNick()
    {
        await using var server = new TestServer();
        await server.CreateAccountAsync("Alice", "sesame");
        var alice = await server.ConnectRegisteredAsync("alice");
        await alice.SendAsync("PRIVMSG NickServ :IDENTIFY sesame");
        var loggedIn = await alice.ExpectAsync(Numerics.RPL_LOGGEDIN);
        Assert.Equal(["alice", "alice!~alice@127.0.0.1", "Alice"], loggedIn.Parameters.Take(3));
        Assert.Contains("You are now logged in as Alice.", await NoticesAsync(alice));
        Assert.Equal("Alice", alice.Session.User.Account);
    }

    [Fact]
    public async Task Identify_WithAccountAndPassword_LogsInToThatAccount()
    {
        await using var server = new TestServer();
        await server.CreateAccountAsync("jilles", "pass word");
        var c = await server.ConnectRegisteredAsync("someone");
        await c.SendAsync("PRIVMSG nickserv :identify jilles pass word");
        await c.ExpectAsync(Numerics.RPL_LOGGEDIN);
        Assert.Equal("jilles", c.Session.User.Account);
    }

    [Fact]
    public async Task Identify_WrongPassword_SaysSoAndStaysLoggedOut()
    {
        await using var server = new TestServer();
        await server.CreateAccountAsync("jilles", "sesame");
        var c = await server.ConnectRegisteredAsync("someone");
        await c.SendAsync("PRIVMSG NickServ :IDENTIFY jilles millet");
        Assert.Equal(["Invalid account name or password."], await NoticesAsync(c));
        Assert.Null(c.Session.User.Account);
    }

    [Fact]
    public async Task Register_CreatesTheAccountAfterTheNickAndLogsIn()
    {
        await using var server = new TestServer();
        var c = await server.ConnectRegisteredAsync("Newbie");
        await c.SendAsync("PRIVMSG NickServ :REGISTER s3cret newbie@example.org");
        var replies = await c.SyncAsync();
        Assert.Equal(
            ["NOTICE Account Newbie registered.", "900 You are now logged in as Newbie", "NOTICE You are now logged in as Newbie."],
            replies.Select(m => m.Command + " " + m.Parameters[^1]));
        Assert.Equal("Newbie", c.Session.User.Account);
        var stored = await server.Accounts.VerifyAsync("newbie", "s3cret");
        Assert.NotNull(stored);
        Assert.Equal("newbie@example.org", stored.Email);
    }

    [Fact]
    public async Task Register_ExistingAccount_IsRefused()
    {
        await using var server = new TestServer();
        await server.CreateAccountAsync("taken", "sesame");
        var c = await server.ConnectRegisteredAsync("TAKEN");
        await c.SendAsync("PRIVMSG NickServ :REGISTER other");
        Assert.Contains("Account TAKEN already exists. If it is yours, IDENTIFY.", await NoticesAsync(c));
        Assert.Null(c.Session.User.Account);
        Assert.NotNull(await server.Accounts.VerifyAsync("taken", "sesame"));
    }

    [Fact]
    public async Task Register_WhenDisabled_IsRefused()
    {
        await using var server = new TestServer(new ServerOptions { Accounts = new AccountOptions { AllowRegistration = false } });
        var c = await server.ConnectRegisteredAsync("newbie");
        await c.SendAsync("PRIVMSG NickServ :REGISTER s3cret");
        Assert.Equal(["Account registration is disabled on this server."], await NoticesAsync(c));
        Assert.Null(await server.Accounts.GetAsync("newbie"));
    }

    [Theory]
    [InlineData("REGISTER")]
    [InlineData("REGISTER a b c")]
    [InlineData("REGISTER pw not-an-email")]
    [InlineData("IDENTIFY")]
    [InlineData("BOGUS")]
    public async Task BadCommands_GetANoticeAndChangeNothing(string text)
    {
        await using var server = new TestServer();
        var c = await server.ConnectRegisteredAsync("newbie");
        await c.SendAsync("PRIVMSG NickServ :" + text);
        Assert.Single(await NoticesAsync(c));
        Assert.Null(c.Session.User.Account);
    }

    [Fact]
    public async Task Help_ListsTheCommands()
    {
        await using var server = new TestServer();
        var c = await server.ConnectRegisteredAsync("someone");
        await c.SendAsync("PRIVMSG NickServ HELP");
        var notices = await NoticesAsync(c);
        Assert.Contains(notices, n => n.Contains("IDENTIFY", StringComparison.Ordinal));
        Assert.Contains(notices, n => n.Contains("REGISTER", StringComparison.Ordinal));
    }

    [Fact]
    public async Task MessagesToNickServ_AreNeitherEchoedNorDelivered()
    {
        await using var server = new TestServer();
        var c = await server.ConnectRegisteredAsync("someone", "echo-message");
        await c.SendAsync("PRIVMSG NickServ :IDENTIFY secret");
        await c.SendAsync("NOTICE NickServ :IDENTIFY secret");
        var seen = await c.SyncAsync();
        Assert.DoesNotContain(seen, m => m.Command is "PRIVMSG" || m.Command == Numerics.ERR_NOSUCHNICK);
        Assert.DoesNotContain(seen, m => m.Parameters.Any(p => p.Contains("secret", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task NickServNick_IsReserved()
    {
        await using var server = new TestServer();
        var c = await server.ConnectRegisteredAsync("someone");
        await c.SendAsync("NICK nickserv");
        Assert.Equal(Numerics.ERR_ERRONEUSNICKNAME, (await c.ReadAsync()).Command);
    }
}
