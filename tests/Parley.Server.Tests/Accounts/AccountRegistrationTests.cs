using Parley.Protocol;
using Parley.Server.Hosting;
using Parley.Server.Tests.Infrastructure;

namespace Parley.Server.Tests.Accounts;

/// <summary>draft/account-registration: REGISTER and VERIFY.</summary>
public sealed class AccountRegistrationTests
{
    [Fact]
    public async Task CapLs_AdvertisesBeforeConnectByDefault_AndTheOptionsChangeTheValue()
    {
        await using var server = new TestServer();
        var c = server.Connect();
        await c.SendAsync("CAP LS 302");
        var ls = await c.ExpectAsync("CAP");
        Assert.Contains("draft/account-registration=before-connect", ls.Parameters[^1].Split(' '));

        await using var strict = new TestServer(new ServerOptions { Accounts = new AccountOptions { RegistrationBeforeConnect = false, RegistrationRequiresEmail = true } });
        var d = strict.Connect();
        await d.SendAsync("CAP LS 302");
        Assert.Contains("draft/account-registration=email-required", (await d.ExpectAsync("CAP")).Parameters[^1].Split(' '));

        await using var closed = new TestServer(new ServerOptions { Accounts = new AccountOptions { AllowRegistration = false } });
        var e = closed.Connect();
        await e.SendAsync("CAP LS 302");
        Assert.DoesNotContain("draft/account-registration", (await e.ExpectAsync("CAP")).Parameters[^1]);
    }

    [Theory]
    [InlineData("REGISTER * * s3cret")]
    [InlineData("REGISTER Newbie * s3cret")]
    [InlineData("REGISTER newbie@example.org s3cret")]
    public async Task Register_CreatesTheAccountAndLogsIn(string line)
    {
        await using var server = new TestServer();
        var c = await server.ConnectRegisteredAsync("Newbie", "draft/account-registration");
        await c.SendAsync(line);
        var replies = await c.SyncAsync();
        var register = Assert.Single(replies, m => m.Command == "REGISTER");
        Assert.Equal(["SUCCESS", "Newbie"], register.Parameters.Take(2));
        Assert.Contains(replies, m => m.Command == Numerics.RPL_LOGGEDIN);
        Assert.Equal("Newbie", c.Session.User.Account);
        Assert.NotNull(await server.Accounts.VerifyAsync("newbie", "s3cret"));
    }

    [Fact]
    public async Task Register_BeforeConnect_LogsInBeforeTheWelcome()
    {
        await using var server = new TestServer();
        var c = server.Connect();
        await c.SendAsync("CAP LS 302");
        await c.SendAsync("CAP REQ draft/account-registration");
        await c.SendAsync("NICK early");
        await c.SendAsync("REGISTER * early@example.org pass1");
        var register = await c.ExpectAsync("REGISTER");
        Assert.Equal(["SUCCESS", "early"], register.Parameters.Take(2));
        await c.SendAsync("USER early 0 * :e");
        await c.SendAsync("CAP END");
        await c.ExpectAsync(Numerics.RPL_WELCOME);
        Assert.Equal("early", c.Session.User.Account);
        Assert.Equal("early@example.org", (await server.Accounts.VerifyAsync("early", "pass1"))!.Email);
    }

    [Fact]
    public async Task Register_BeforeConnect_WhenNotAllowed_OrWithAServerPassword_IsRefused()
    {
        await using var server = new TestServer(new ServerOptions { Accounts = new AccountOptions { RegistrationBeforeConnect = false } });
        var c = server.Connect();
        await c.SendAsync("NICK early");
        await c.SendAsync("REGISTER * * pass1");
        Assert.Equal(["FAIL", "REGISTER", "COMPLETE_CONNECTION_REQUIRED", "early"], (await c.ExpectAsync("FAIL")).Parameters.Take(3).Prepend("FAIL"));

        await using var locked = new TestServer(new ServerOptions { Password = "door" });
        var d = locked.Connect();
        await d.SendAsync("NICK early");
        await d.SendAsync("REGISTER * * pass1");
        Assert.Equal("COMPLETE_CONNECTION_REQUIRED", (await d.ExpectAsync("FAIL")).Parameters[1]);
        Assert.Null(await locked.Accounts.VerifyAsync("early", "pass1"));
    }

    [Theory]
    [InlineData("REGISTER other * pass1", "ACCOUNT_NAME_MUST_BE_NICK", "other")]
    [InlineData("REGISTER * not-an-address pass1", "INVALID_EMAIL", "bar")]
    [InlineData("REGISTER * * :", "UNACCEPTABLE_PASSWORD", "bar")]
    [InlineData("REGISTER * * taken", "ACCOUNT_EXISTS", "bar")]
    public async Task Register_Failures_HaveTheSpecCodes(string line, string code, string context)
    {
        await using var server = new TestServer();
        if (code == "ACCOUNT_EXISTS")
        {
            await server.CreateAccountAsync("Bar", "x");
        }
        var c = await server.ConnectRegisteredAsync("bar");
        await c.SendAsync(line);
        var fail = await c.ExpectAsync("FAIL");
        Assert.Equal(["REGISTER", code, context], fail.Parameters.Take(3));
        Assert.Null(c.Session.User.Account);
    }

    [Fact]
    public async Task Register_WhenEmailRequired_NeedsAnAddress()
    {
        await using var server = new TestServer(new ServerOptions { Accounts = new AccountOptions { RegistrationRequiresEmail = true } });
        var c = await server.ConnectRegisteredAsync("bar");
        await c.SendAsync("REGISTER * * pass1");
        Assert.Equal(["REGISTER", "INVALID_EMAIL", "bar"], (await c.ExpectAsync("FAIL")).Parameters.Take(3));
        await c.SendAsync("REGISTER * bar@example.org pass1");
        Assert.Equal("SUCCESS", (await c.ExpectAsync("REGISTER")).Parameters[0]);
    }

    [Fact]
    public async Task Register_WhenLoggedIn_OrWithoutANick_OrANickInUse_IsRefused()
    {
        await using var server = new TestServer();
        await server.CreateAccountAsync("acct", "pw");
        var holder = await server.ConnectRegisteredAsync("root");

        var c = await server.ConnectRegisteredAsync("bar");
        await c.SendAsync("PRIVMSG NickServ :IDENTIFY acct pw");
        await c.SendAsync("REGISTER * * pass1");
        Assert.Equal(["REGISTER", "ALREADY_REGISTERED", "acct"], (await c.ExpectAsync("FAIL")).Parameters.Take(3));
        await c.SendAsync("VERIFY acct 123");
        Assert.Equal(["VERIFY", "ALREADY_REGISTERED", "acct"], (await c.ExpectAsync("FAIL")).Parameters.Take(3));

        var d = server.Connect();
        await d.SendAsync("REGISTER * * pass1");
        Assert.Equal(["REGISTER", "NEED_NICK", "*"], (await d.ExpectAsync("FAIL")).Parameters.Take(3));
        await d.SendAsync("NICK root");
        await d.ExpectAsync(Numerics.ERR_NICKNAMEINUSE);
        await d.SendAsync("REGISTER * * pass1");
        Assert.Equal(["REGISTER", "ACCOUNT_EXISTS", "root"], (await d.ExpectAsync("FAIL")).Parameters.Take(3));
        await d.SendAsync("VERIFY root 123");
        Assert.Equal(["VERIFY", "INVALID_CODE", "root"], (await d.ExpectAsync("FAIL")).Parameters.Take(3));
        Assert.Null(await server.Accounts.VerifyAsync("root", "pass1"));
        _ = holder;
    }

    [Fact]
    public async Task Register_WhenDisabled_IsTemporarilyUnavailable()
    {
        await using var server = new TestServer(new ServerOptions { Accounts = new AccountOptions { AllowRegistration = false } });
        var c = await server.ConnectRegisteredAsync("bar");
        await c.SendAsync("REGISTER * * pass1");
        Assert.Equal(["REGISTER", "TEMPORARILY_UNAVAILABLE", "bar"], (await c.ExpectAsync("FAIL")).Parameters.Take(3));
    }
}
