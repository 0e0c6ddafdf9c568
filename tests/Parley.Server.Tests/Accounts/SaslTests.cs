using Parley.Protocol;
using Parley.Server.Storage;
using Parley.Server.Tests.Infrastructure;
using static Parley.Server.Tests.Accounts.Sasl;

namespace Parley.Server.Tests.Accounts;

public sealed class SaslTests
{
    [Fact]
    public async Task CapLs_AdvertisesSaslWithItsMechanisms()
    {
        await using var server = new TestServer();
        var c = server.Connect();
        await c.SendAsync("CAP LS 302");
        var ls = await c.ExpectAsync("CAP");
        Assert.Contains("sasl=EXTERNAL,PLAIN,SCRAM-SHA-256", ls.Parameters[^1].Split(' '));
    }

    [Fact]
    public async Task Plain_RightPassword_LogsInWithTheStoredName()
    {
        await using var server = new TestServer();
        await server.CreateAccountAsync("Jilles", "sesame");
        var c = await StartAsync(server);

        await c.SendAsync("AUTHENTICATE " + Plain("jilles", "sesame"));
        var loggedIn = await c.ReadAsync();
        Assert.Equal(Numerics.RPL_LOGGEDIN, loggedIn.Command);
        Assert.Equal(["*", "*!*@127.0.0.1", "Jilles", "You are now logged in as Jilles"], loggedIn.Parameters);
        var success = await c.ReadAsync();
        Assert.Equal(Numerics.RPL_SASLSUCCESS, success.Command);
        Assert.Equal("*", success.Parameters[0]);

        await c.SendAsync("NICK foo");
        await c.SendAsync("USER foo 0 * :Foo");
        await c.SendAsync("CAP END");
        await c.ExpectAsync(Numerics.RPL_WELCOME);
        Assert.Equal("Jilles", c.Session.User.Account);
    }

    [Fact]
    public async Task Plain_WithNonAsciiPassword_LogsIn()
    {
        await using var server = new TestServer();
        var password = new string('\u00E9', 100);
        await server.CreateAccountAsync("foo", password);
        var c = await StartAsync(server);
        await c.SendAsync("AUTHENTICATE " + Plain("foo", password, "foo"));
        Assert.Equal(Numerics.RPL_LOGGEDIN, (await c.ReadAsync()).Command);
    }

    [Theory]
    [InlineData("millet")]
    [InlineData("")]
    [InlineData("sesame\0extra")]
    public async Task Plain_WrongPassword_Replies904AndAllowsARetry(string password)
    {
        await using var server = new TestServer();
        await server.CreateAccountAsync("jilles", "sesame");
        var c = await StartAsync(server);

        await c.SendAsync("AUTHENTICATE " + Plain("jilles", password));
        var fail = await c.ReadAsync();
        Assert.Equal(Numerics.ERR_SASLFAIL, fail.Command);
        Assert.Equal("*", fail.Parameters[0]);
        Assert.Null(c.Session.User.Account);

        await c.SendAsync("AUTHENTICATE PLAIN");
        Assert.Equal(["+"], (await c.ReadAsync()).Parameters);
        await c.SendAsync("AUTHENTICATE " + Plain("jilles", "sesame"));
        Assert.Equal(Numerics.RPL_LOGGEDIN, (await c.ReadAsync()).Command);
        Assert.Equal(Numerics.RPL_SASLSUCCESS, (await c.ReadAsync()).Command);
    }

    [Theory]
    [InlineData("\0\0sesame")]            // empty authcid
    [InlineData("other\0jilles\0sesame")] // authzid is someone else
    [InlineData("jilles\0sesame")]        // two fields
    [InlineData("nobody\0nobody\0sesame")]
    public async Task Plain_BadResponse_Replies904(string response)
    {
        await using var server = new TestServer();
        await server.CreateAccountAsync("jilles", "sesame");
        await server.CreateAccountAsync("other", "password");
        var c = await StartAsync(server);
        await c.SendAsync("AUTHENTICATE " + B64(response));
        Assert.Equal(Numerics.ERR_SASLFAIL, (await c.ReadAsync()).Command);
        Assert.Null(c.Session.User.Account);
    }

    [Fact]
    public async Task Plain_InvalidBase64_Replies904()
    {
        await using var server = new TestServer();
        var c = await StartAsync(server);
        await c.SendAsync("AUTHENTICATE !!!");
        Assert.Equal(Numerics.ERR_SASLFAIL, (await c.ReadAsync()).Command);
    }

    [Fact]
    public async Task Abort_Replies906()
    {
        await using var server = new TestServer();
        var c = await StartAsync(server);
        await c.SendAsync("AUTHENTICATE *");
        var aborted = await c.ReadAsync();
        Assert.Equal(Numerics.ERR_SASLABORTED, aborted.Command);
        Assert.Equal("*", aborted.Parameters[0]);
        Assert.Null(c.Session.Sasl);
    }

    [Fact]
    public async Task ChunkOver400Bytes_Replies905()
    {
        await using var server = new TestServer();
        var c = await StartAsync(server);
        await c.SendAsync("AUTHENTICATE " + new string('A', 404));
        var tooLong = await c.ReadAsync();
        Assert.Equal(Numerics.ERR_SASLTOOLONG, tooLong.Command);
        Assert.Equal("*", tooLong.Parameters[0]);
    }

    [Theory]
    [InlineData(300)] // 408 base64 characters: 400 + 8
    [InlineData(297)] // exactly 400: then "+"
    [InlineData(592)] // exactly 800: two chunks, then "+"
    public async Task Plain_SplitInto400ByteChunks_IsReassembled(int passwordLength)
    {
        await using var server = new TestServer();
        var password = new string('x', passwordLength);
        await server.CreateAccountAsync("foo", password);
        var c = await StartAsync(server);
        var response = Plain("foo", password, "foo");
        for (var i = 0; i < response.Length; i += 400)
        {
            await c.SendAsync("AUTHENTICATE " + response.Substring(i, Math.Min(400, response.Length - i)));
        }
        if (response.Length % 400 == 0)
        {
            await c.SendAsync("AUTHENTICATE +");
        }
        Assert.Equal(Numerics.RPL_LOGGEDIN, (await c.ReadAsync()).Command);
        Assert.Equal(Numerics.RPL_SASLSUCCESS, (await c.ReadAsync()).Command);
    }

    [Fact]
    public async Task EndlessChunks_Replies904OnceTheLimitIsPassed()
    {
        await using var server = new TestServer();
        var c = await StartAsync(server);
        var chunk = B64(new string('x', 300));
        var sent = 0;
        while (sent * 300 <= 8192)
        {
            await c.SendAsync("AUTHENTICATE " + chunk);
            sent++;
        }
        var fail = await c.ReadAsync();
        Assert.Equal(Numerics.ERR_SASLFAIL, fail.Command);
        Assert.Null(c.Session.Sasl);
    }

    [Fact]
    public async Task UnknownMechanism_ListsMechanismsThenFails()
    {
        await using var server = new TestServer();
        var c = server.Connect();
        await c.SendAsync("CAP REQ sasl");
        await c.ExpectAsync("CAP");
        await c.SendAsync("AUTHENTICATE FOO");
        var mechs = await c.ReadAsync();
        Assert.Equal(Numerics.RPL_SASLMECHS, mechs.Command);
        Assert.Equal(["*", "EXTERNAL,PLAIN,SCRAM-SHA-256", "are available SASL mechanisms"], mechs.Parameters);
        Assert.Equal(Numerics.ERR_SASLFAIL, (await c.ReadAsync()).Command);
    }

    [Fact]
    public async Task RegistrationDuringExchange_Aborts906ThenWelcomes()
    {
        await using var server = new TestServer();
        var c = await StartAsync(server);
        await c.SendAsync("NICK reguser");
        await c.SendAsync("USER reguser 0 * :Test");
        await c.SendAsync("CAP END");
        Assert.Equal(Numerics.ERR_SASLABORTED, (await c.ReadAsync()).Command);
        Assert.Equal(Numerics.RPL_WELCOME, (await c.ReadAsync()).Command);
        Assert.Null(c.Session.Sasl);
        Assert.Null(c.Session.User.Account);
    }

    [Fact]
    public async Task NickAndUserDuringExchange_DoNotAbortIt()
    {
        await using var server = new TestServer();
        await server.CreateAccountAsync("jilles", "sesame");
        var c = await StartAsync(server);
        await c.SendAsync("NICK foo");
        await c.SendAsync("USER foo * * :Test");
        await c.SendAsync("AUTHENTICATE " + Plain("jilles", "sesame"));
        var loggedIn = await c.ReadAsync();
        Assert.Equal(Numerics.RPL_LOGGEDIN, loggedIn.Command);
        Assert.Equal(["foo", "foo!~foo@127.0.0.1", "jilles"], loggedIn.Parameters.Take(3));
    }

    [Fact]
    public async Task AfterRegistration_PlainLogsIn_ThenAgainReplies907()
    {
        await using var server = new TestServer();
        await server.CreateAccountAsync("jilles", "sesame");
        var c = await server.ConnectRegisteredAsync("user", "sasl", "account-notify");

        await c.SendAsync("AUTHENTICATE PLAIN");
        Assert.Equal(["+"], (await c.ReadAsync()).Parameters);
        await c.SendAsync("AUTHENTICATE " + Plain("jilles", "sesame"));
        var loggedIn = await c.ReadAsync();
        Assert.Equal(Numerics.RPL_LOGGEDIN, loggedIn.Command);
        Assert.Equal(["user", "user!~user@127.0.0.1", "jilles"], loggedIn.Parameters.Take(3));
        Assert.Equal(Numerics.RPL_SASLSUCCESS, (await c.ReadAsync()).Command);
        var self = await c.ReadAsync();
        Assert.Equal("ACCOUNT", self.Command);
        Assert.Equal(["jilles"], self.Parameters);

        await c.SendAsync("AUTHENTICATE PLAIN");
        var already = await c.ReadAsync();
        Assert.Equal(Numerics.ERR_SASLALREADY, already.Command);
        Assert.Equal("user", already.Parameters[0]);
    }

    [Fact]
    public async Task AccountCreatedByAnotherProcess_CanLogInAtOnce()
    {
        await using var server = new TestServer();
        var c = await StartAsync(server);
        // As `parley account create` beside the running server: another store on the same file.
        using (var cli = SqliteAccountStore.Open(SqliteDatabase.Open(server.DataDir), null, TimeProvider.System, TestServer.Iterations, ownsDatabase: true))
        {
            Assert.Equal(AccountResult.Ok, await cli.CreateAsync("late", "sesame"));
        }
        await c.SendAsync("AUTHENTICATE " + Plain("late", "sesame"));
        Assert.Equal(Numerics.RPL_LOGGEDIN, (await c.ReadAsync()).Command);
    }

    [Fact]
    public async Task Scram_FullExchange_LogsInAndProvesTheServer()
    {
        await using var server = new TestServer();
        await server.CreateAccountAsync("Scramtest", "sesame");
        var c = await StartAsync(server, "SCRAM-SHA-256");
        var client = new ScramClient("Scramtest", "sesame");

        await c.SendAsync("AUTHENTICATE " + B64(client.First()));
        var serverFirst = await ReadChallengeAsync(c);
        Assert.Contains($",i={TestServer.Iterations}", serverFirst);
        await c.SendAsync("AUTHENTICATE " + B64(client.Final(serverFirst)));
        var serverFinal = await ReadChallengeAsync(c);
        Assert.True(client.VerifyServer(serverFinal), serverFinal);
        Assert.Null(c.Session.User.Account);

        await c.SendAsync("AUTHENTICATE +");
        var loggedIn = await c.ReadAsync();
        Assert.Equal(Numerics.RPL_LOGGEDIN, loggedIn.Command);
        Assert.Equal("Scramtest", loggedIn.Parameters[2]);
        Assert.Equal(Numerics.RPL_SASLSUCCESS, (await c.ReadAsync()).Command);
        Assert.Equal("Scramtest", c.Session.User.Account);
    }

    [Theory]
    [InlineData("Scramtest", "millet")]
    [InlineData("nobody", "sesame")]
    public async Task Scram_WrongPasswordOrUnknownUser_FailsAtTheProof(string user, string password)
    {
        await using var server = new TestServer();
        await server.CreateAccountAsync("Scramtest", "sesame");
        var c = await StartAsync(server, "SCRAM-SHA-256");
        var client = new ScramClient(user, password);

        await c.SendAsync("AUTHENTICATE " + B64(client.First()));
        // An unknown user gets a challenge too: the server does not tell who exists.
        var serverFirst = await ReadChallengeAsync(c);
        await c.SendAsync("AUTHENTICATE " + B64(client.Final(serverFirst)));
        Assert.Equal(Numerics.ERR_SASLFAIL, (await c.ReadAsync()).Command);
        Assert.Null(c.Session.Sasl);
        Assert.Null(c.Session.User.Account);
    }

    [Fact]
    public async Task Scram_UnknownUser_SameSaltEveryTime()
    {
        await using var server = new TestServer();
        var salts = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            var c = await StartAsync(server, "SCRAM-SHA-256");
            await c.SendAsync("AUTHENTICATE " + B64(new ScramClient("nobody", "x").First()));
            salts.Add((await ReadChallengeAsync(c)).Split(',')[1]);
        }
        Assert.Equal(salts[0], salts[1]);
    }

    [Fact]
    public async Task Scram_DataInsteadOfTheFinalPlus_Fails()
    {
        await using var server = new TestServer();
        await server.CreateAccountAsync("Scramtest", "sesame");
        var c = await StartAsync(server, "SCRAM-SHA-256");
        var client = new ScramClient("Scramtest", "sesame");
        await c.SendAsync("AUTHENTICATE " + B64(client.First()));
        await c.SendAsync("AUTHENTICATE " + B64(client.Final(await ReadChallengeAsync(c))));
        await ReadChallengeAsync(c);
        await c.SendAsync("AUTHENTICATE " + B64("more"));
        Assert.Equal(Numerics.ERR_SASLFAIL, (await c.ReadAsync()).Command);
        Assert.Null(c.Session.User.Account);
    }

    [Theory]
    [InlineData("p=tls-unique,,n=Scramtest,r=abc")]
    [InlineData("n,a=other,n=Scramtest,r=abc")]
    [InlineData("garbage")]
    public async Task Scram_BadClientFirst_Fails(string clientFirst)
    {
        await using var server = new TestServer();
        var c = await StartAsync(server, "SCRAM-SHA-256");
        await c.SendAsync("AUTHENTICATE " + B64(clientFirst));
        Assert.Equal(Numerics.ERR_SASLFAIL, (await c.ReadAsync()).Command);
    }
}
