using Parley.Protocol;
using Parley.Server.Hosting;
using Parley.Server.Tests.Infrastructure;
using static Parley.Server.Tests.Accounts.Sasl;

namespace Parley.Server.Tests.Accounts;

/// <summary>PASS account:password and the login throttle.</summary>
public sealed class LoginTests
{
    [Fact]
    public async Task PassAccountColonPassword_LogsInAtConnect()
    {
        await using var server = new TestServer();
        await server.CreateAccountAsync("Jilles", "sesame");
        var c = server.Connect();
        await c.SendAsync("PASS jilles:sesame");
        await c.SendAsync("NICK foo");
        await c.SendAsync("USER foo 0 * :Foo");
        var loggedIn = await c.ReadAsync();
        Assert.Equal(Numerics.RPL_LOGGEDIN, loggedIn.Command);
        Assert.Equal("Jilles", loggedIn.Parameters[2]);
        Assert.Equal(Numerics.RPL_WELCOME, (await c.ReadAsync()).Command);
        Assert.Equal("Jilles", c.Session.User.Account);
    }

    [Fact]
    public async Task PassWithWrongPassword_Replies904AndRegistersWithoutAccount()
    {
        await using var server = new TestServer();
        await server.CreateAccountAsync("jilles", "sesame");
        var c = server.Connect();
        await c.SendAsync("PASS jilles:millet");
        await c.SendAsync("NICK foo");
        await c.SendAsync("USER foo 0 * :Foo");
        Assert.Equal(Numerics.ERR_SASLFAIL, (await c.ReadAsync()).Command);
        Assert.Equal(Numerics.RPL_WELCOME, (await c.ReadAsync()).Command);
        Assert.Null(c.Session.User.Account);
    }

    [Fact]
    public async Task PassWithServerPasswordSet_IsTheServerPassword()
    {
        await using var server = new TestServer(new ServerOptions { Password = "jilles:sesame" });
        await server.CreateAccountAsync("jilles", "sesame");
        var c = server.Connect();
        await c.SendAsync("PASS jilles:sesame");
        await c.SendAsync("NICK foo");
        await c.SendAsync("USER foo 0 * :Foo");
        Assert.Equal(Numerics.RPL_WELCOME, (await c.ReadAsync()).Command);
        Assert.Null(c.Session.User.Account);
    }

    private static async Task<string> PlainOnceAsync(TestServer server, string account, string password, string host = "127.0.0.1")
    {
        var c = await StartAsync(server, "PLAIN", host);
        await c.SendAsync("AUTHENTICATE " + Plain(account, password));
        var reply = await c.ReadAsync();
        await c.DisposeAsync();
        return reply.Command == Numerics.ERR_SASLFAIL ? "904 " + reply.Parameters[^1] : reply.Command;
    }

    [Fact]
    public async Task RepeatedFailures_ThrottleTheAccountUntilTheWindowEnds()
    {
        await using var server = new TestServer(new ServerOptions
        {
            Accounts = new AccountOptions { LoginFailuresPerAccount = 3, LoginFailuresPerAddress = 100, LoginThrottleSeconds = 60 },
        });
        await server.CreateAccountAsync("jilles", "sesame");
        for (var i = 0; i < 3; i++)
        {
            Assert.Contains("invalid account credentials", await PlainOnceAsync(server, "jilles", "wrong"));
        }

        // Even the right password is refused now, from any address, without being checked.
        var throttled = await PlainOnceAsync(server, "JILLES", "sesame", "10.0.0.9");
        Assert.StartsWith("904", throttled);
        Assert.Contains("try again in 60 seconds", throttled);
        // Other accounts are not affected.
        await server.CreateAccountAsync("other", "pw");
        Assert.Equal(Numerics.RPL_LOGGEDIN, await PlainOnceAsync(server, "other", "pw"));

        server.Time.Advance(TimeSpan.FromSeconds(59));
        Assert.Contains("try again in 1 seconds", await PlainOnceAsync(server, "jilles", "sesame"));
        server.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(Numerics.RPL_LOGGEDIN, await PlainOnceAsync(server, "jilles", "sesame"));
    }

    [Fact]
    public async Task RepeatedFailures_ThrottleTheAddressAcrossAccounts()
    {
        await using var server = new TestServer(new ServerOptions
        {
            Accounts = new AccountOptions { LoginFailuresPerAccount = 100, LoginFailuresPerAddress = 4, LoginThrottleSeconds = 60 },
        });
        await server.CreateAccountAsync("jilles", "sesame");
        for (var i = 0; i < 4; i++)
        {
            await PlainOnceAsync(server, "guess" + i, "x", "10.0.0.1");
        }
        Assert.Contains("try again", await PlainOnceAsync(server, "jilles", "sesame", "10.0.0.1"));
        Assert.Equal(Numerics.RPL_LOGGEDIN, await PlainOnceAsync(server, "jilles", "sesame", "10.0.0.2"));
    }

    [Fact]
    public async Task ScramFailures_CountAndThrottleToo()
    {
        await using var server = new TestServer(new ServerOptions
        {
            Accounts = new AccountOptions { LoginFailuresPerAccount = 2, LoginThrottleSeconds = 60 },
        });
        await server.CreateAccountAsync("jilles", "sesame");
        for (var i = 0; i < 2; i++)
        {
            var c = await StartAsync(server, "SCRAM-SHA-256");
            var client = new ScramClient("jilles", "wrong");
            await c.SendAsync("AUTHENTICATE " + B64(client.First()));
            await c.SendAsync("AUTHENTICATE " + B64(client.Final(await ReadChallengeAsync(c))));
            Assert.Equal(Numerics.ERR_SASLFAIL, (await c.ReadAsync()).Command);
        }
        var d = await StartAsync(server, "SCRAM-SHA-256");
        await d.SendAsync("AUTHENTICATE " + B64(new ScramClient("jilles", "sesame").First()));
        var refused = await d.ReadAsync();
        Assert.Equal(Numerics.ERR_SASLFAIL, refused.Command);
        Assert.Contains("try again", refused.Parameters[^1]);
    }

    [Fact]
    public async Task Success_ClearsTheAccountsFailures()
    {
        await using var server = new TestServer(new ServerOptions
        {
            Accounts = new AccountOptions { LoginFailuresPerAccount = 2, LoginThrottleSeconds = 60 },
        });
        await server.CreateAccountAsync("jilles", "sesame");
        await PlainOnceAsync(server, "jilles", "wrong");
        Assert.Equal(Numerics.RPL_LOGGEDIN, await PlainOnceAsync(server, "jilles", "sesame"));
        await PlainOnceAsync(server, "jilles", "wrong");
        Assert.Equal(Numerics.RPL_LOGGEDIN, await PlainOnceAsync(server, "jilles", "sesame"));
    }
}
