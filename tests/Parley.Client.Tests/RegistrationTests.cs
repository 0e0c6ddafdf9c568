using System.Text;
using Parley.Client.Tests.Infrastructure;

namespace Parley.Client.Tests;

/// <summary>Registration and the line loop against a scripted server.</summary>
public sealed class RegistrationTests
{
    private static IrcClientOptions Options(ScriptedServer server, string nick = "alice", string? password = null) => new()
    {
        Host = "127.0.0.1", Port = server.Port, Nick = nick, Password = password, Reconnect = new ReconnectPolicy { Enabled = false },
    };

    [Fact]
    public async Task ShortReads_AreJoinedIntoLines_AndPingIsAnswered()
    {
        await using var server = new ScriptedServer();
        await using var client = new IrcClient(Options(server));
        var login = client.StartAsync();
        var c = await server.AcceptAsync();
        await c.ExpectAsync("CAP LS 302");
        await c.SendInPiecesAsync(":s 421 * CAP :Unknown command\r\n");
        await c.ExpectAsync("USER");
        await c.SendInPiecesAsync(":s 001 alice :Welcome\r\nPING :tok1\n:bob!b@h PRIVMSG alice :héllo in pieces\r\n");
        Assert.True((await login).Success);
        Assert.Equal("PONG tok1", await c.ExpectAsync("PONG"));
        var m = await client.WaitForAsync<MessageEvent>();
        Assert.Equal("héllo in pieces", m.Text);
    }

    [Fact]
    public async Task OverlongLine_IsDropped_AndTheNextLineStillArrives()
    {
        await using var server = new ScriptedServer();
        await using var client = new IrcClient(Options(server));
        var login = client.StartAsync();
        var c = await server.AcceptAsync();
        await c.WelcomeAsync("alice");
        await login;
        await c.SendAsync(":bob!b@h PRIVMSG alice :" + new string('x', 20_000), ":bob!b@h PRIVMSG alice :short");
        var m = await client.WaitForAsync<MessageEvent>();
        Assert.Equal("short", m.Text);
    }

    [Fact]
    public async Task NoCap_RegistersWithoutCapEnd()
    {
        await using var server = new ScriptedServer();
        await using var client = new IrcClient(Options(server));
        var login = client.StartAsync();
        var c = await server.AcceptAsync();
        await c.ExpectAsync("CAP LS");
        await c.SendAsync(":s 421 * CAP :Unknown command");
        Assert.Equal("NICK alice", await c.ReadAsync());
        Assert.StartsWith("USER alice 0 * ", await c.ReadAsync(), StringComparison.Ordinal);
        await c.SendAsync(":s 001 alice :Welcome");
        Assert.True((await login).Success);
        Assert.Empty(client.EnabledCaps);
    }

    [Fact]
    public async Task CapLs_OverSeveralLines_ThenSaslPlain()
    {
        await using var server = new ScriptedServer();
        await using var client = new IrcClient(Options(server, password: "sesame"));
        var login = client.StartAsync();
        var c = await server.AcceptAsync();
        await c.ExpectAsync("CAP LS 302");
        await c.SendAsync(":s CAP * LS * :multi-prefix server-time", ":s CAP * LS :sasl=PLAIN,EXTERNAL batch");
        Assert.Equal("NICK alice", await c.ReadAsync()); // no PASS: SASL is offered
        await c.ExpectAsync("USER");
        var req = await c.ExpectAsync("CAP REQ");
        Assert.Equal("CAP REQ :multi-prefix server-time batch sasl", req);
        await c.SendAsync(":s CAP alice ACK :multi-prefix server-time batch sasl");
        Assert.Equal("AUTHENTICATE PLAIN", await c.ReadAsync());
        await c.SendAsync("AUTHENTICATE +");
        var payload = (await c.ReadAsync())["AUTHENTICATE ".Length..];
        Assert.Equal("alice\0alice\0sesame", Encoding.UTF8.GetString(Convert.FromBase64String(payload)));
        await c.SendAsync(":s 900 alice alice!a@h alice :You are now logged in as alice", ":s 903 alice :SASL authentication successful");
        await c.ExpectAsync("CAP END");
        await c.SendAsync(":s 001 alice :Welcome");
        var result = await login;
        Assert.True(result.Success);
        Assert.Equal("alice", result.Account);
        Assert.Contains("server-time", client.EnabledCaps);
    }

    [Fact]
    public async Task PassRefused_RegistersAgainWithout_ThenTriesNickServ()
    {
        await using var server = new ScriptedServer();
        await using var client = new IrcClient(Options(server, password: "sesame"));
        var login = client.StartAsync();

        var first = await server.AcceptAsync();
        await first.ExpectAsync("CAP LS");
        await first.SendAsync(":s CAP * LS :multi-prefix");
        Assert.Equal("PASS alice:sesame", await first.ReadAsync());
        await first.ExpectAsync("CAP REQ");
        await first.SendAsync(":s CAP * ACK :multi-prefix");
        await first.ExpectAsync("CAP END");
        await first.SendAsync("ERROR :Access denied: Bad password?");
        first.Drop();

        var second = await server.AcceptAsync();
        await second.ExpectAsync("CAP LS");
        await second.SendAsync(":s CAP * LS :multi-prefix");
        Assert.Equal("NICK alice", await second.ReadAsync());
        await second.ExpectAsync("CAP REQ");
        await second.SendAsync(":s CAP * ACK :multi-prefix");
        await second.ExpectAsync("CAP END");
        await second.SendAsync(":s 001 alice :Welcome");
        Assert.Equal("PRIVMSG NickServ :IDENTIFY alice sesame", await second.ExpectAsync("PRIVMSG NickServ"));
        await second.SendAsync(":s 401 alice NickServ :No such nick or channel name");

        var result = await login;
        Assert.True(result.Success);
        Assert.Null(result.Account);
        Assert.True(result.PasswordUnchecked);
    }

    [Fact]
    public async Task NickServ_LogsIn_WhenTheServerHasNoSasl()
    {
        await using var server = new ScriptedServer();
        await using var client = new IrcClient(Options(server, password: "sesame"));
        var login = client.StartAsync();
        var c = await server.AcceptAsync();
        await c.ExpectAsync("CAP LS");
        await c.SendAsync(":s 421 * CAP :Unknown command");
        Assert.Equal("PASS alice:sesame", await c.ReadAsync());
        await c.ExpectAsync("USER");
        await c.SendAsync(":s 001 alice :Welcome");
        await c.ExpectAsync("PRIVMSG NickServ :IDENTIFY alice sesame");
        await c.SendAsync(":s 900 alice alice!a@h alice :You are now logged in as alice");
        var result = await login;
        Assert.Equal("alice", result.Account);
    }

    [Fact]
    public async Task NickServ_RefusingThePassword_FailsTheLogin()
    {
        await using var server = new ScriptedServer();
        await using var client = new IrcClient(Options(server, password: "wrong"));
        var login = client.StartAsync();
        var c = await server.AcceptAsync();
        await c.ExpectAsync("CAP LS");
        await c.SendAsync(":s 421 * CAP :Unknown command");
        await c.ExpectAsync("USER");
        await c.SendAsync(":s 001 alice :Welcome");
        await c.ExpectAsync("PRIVMSG NickServ");
        await c.SendAsync(":NickServ!NickServ@services. NOTICE alice :Invalid password for alice");
        var result = await login;
        Assert.False(result.Success);
        Assert.Contains("wrong nick or password", result.Error, StringComparison.Ordinal);
        Assert.Equal("QUIT", await c.ExpectAsync("QUIT"));
    }

    [Fact]
    public async Task Metadata_WhenOffered_LookupAsksForTheDirectChatEndpoint()
    {
        await using var server = new ScriptedServer();
        await using var client = new IrcClient(Options(server));
        var login = client.StartAsync();
        var c = await server.AcceptAsync();
        await c.ExpectAsync("CAP LS");
        await c.SendAsync(":s CAP * LS :batch draft/metadata-3=before-connect,max-subs=100");
        Assert.Equal("CAP REQ :batch draft/metadata-3", await c.ExpectAsync("CAP REQ"));
        await c.SendAsync(":s CAP alice ACK :batch draft/metadata-3");
        await c.ExpectAsync("CAP END");
        await c.SendAsync(":s 001 alice :Welcome");
        await login;

        var lookup = client.WhoisAsync("bob");
        await c.ExpectAsync("WHOIS bob");
        await c.SendAsync(":s 311 alice bob ~b host * :Bob", ":s 318 alice bob :End of /WHOIS list");
        Assert.Equal("METADATA bob GET parley/dcc", await c.ExpectAsync("METADATA"));
        await c.SendAsync(":s BATCH +m1 metadata bob", "@batch=m1 :s 761 alice bob parley/dcc * :127.0.0.7 5000", ":s BATCH -m1");
        var result = await lookup;
        Assert.True(result.Online);
        Assert.Equal("127.0.0.7 5000", result.DirectChat);
    }

    [Fact]
    public async Task Metadata_InWhois_IsTakenWithoutAsking_AndItsAbsenceMeansNone()
    {
        await using var server = new ScriptedServer();
        await using var client = new IrcClient(Options(server));
        var login = client.StartAsync();
        var c = await server.AcceptAsync();
        await c.ExpectAsync("CAP LS");
        await c.SendAsync(":s CAP * LS :draft/metadata-3");
        await c.ExpectAsync("CAP REQ");
        await c.SendAsync(":s CAP alice ACK :draft/metadata-3");
        await c.ExpectAsync("CAP END");
        await c.SendAsync(":s 001 alice :Welcome");
        await login;

        var withEndpoint = client.WhoisAsync("bob");
        await c.ExpectAsync("WHOIS bob");
        await c.SendAsync(":s 311 alice bob ~b host * :Bob", ":s 760 alice bob parley/dcc * :127.0.0.7 5000", ":s 318 alice bob :End of /WHOIS list");
        Assert.Equal("127.0.0.7 5000", (await withEndpoint).DirectChat);

        var without = client.WhoisAsync("carol");
        await c.ExpectAsync("WHOIS carol");
        await c.SendAsync(":s 311 alice carol ~c host * :Carol", ":s 760 alice carol display-name * :Carol", ":s 318 alice carol :End of /WHOIS list");
        Assert.Null((await without).DirectChat);
    }

    [Fact]
    public async Task SetMetadata_WaitsForTheAnswer_AndReportsARefusal()
    {
        await using var server = new ScriptedServer();
        await using var client = new IrcClient(Options(server));
        var login = client.StartAsync();
        var c = await server.AcceptAsync();
        await c.ExpectAsync("CAP LS");
        await c.SendAsync(":s CAP * LS :draft/metadata-3");
        await c.ExpectAsync("CAP REQ");
        await c.SendAsync(":s CAP alice ACK :draft/metadata-3");
        await c.ExpectAsync("CAP END");
        await c.SendAsync(":s 001 alice :Welcome");
        await login;

        var accepted = client.SetMetadataAsync("parley/dcc", "127.0.0.7 5000");
        Assert.Equal("METADATA * SET parley/dcc :127.0.0.7 5000", await c.ExpectAsync("METADATA"));
        await c.SendAsync(":s 761 alice alice parley/dcc * :127.0.0.7 5000");
        Assert.True(await accepted);

        var refused = client.SetMetadataAsync("parley/dcc", "127.0.0.7 5001");
        await c.ExpectAsync("METADATA");
        await c.SendAsync(":s FAIL METADATA RATE_LIMITED * parley/dcc 5 :too many changes");
        Assert.False(await refused);
    }
}
