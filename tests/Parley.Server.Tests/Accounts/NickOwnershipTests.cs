using Parley.Protocol;
using Parley.Server.Hosting;
using Parley.Server.Tests.Infrastructure;

namespace Parley.Server.Tests.Accounts;

/// <summary>An account's nick is reserved: log in within the time or become a guest.</summary>
public sealed class NickOwnershipTests
{
    private const string NickServSource = "NickServ!NickServ@services.parley";

    [Fact]
    public async Task TakingAnAccountsNick_WarnsThenRenamesToAGuestAfterTheTimeout()
    {
        await using var server = new TestServer();
        await server.CreateAccountAsync("Alice", "sesame");
        var watcher = await server.ConnectRegisteredAsync("watcher");
        var c = server.Connect();
        await c.SendAsync("NICK alice");
        await c.SendAsync("USER a 0 * :a");
        var burst = await c.SyncAsync();
        var warning = Assert.Single(burst, m => m.Command == "NOTICE" && m.Source == NickServSource);
        Assert.Contains("log in within 30 seconds", warning.Parameters[1]);
        await watcher.SendAsync("JOIN #room");
        await c.SendAsync("JOIN #room");
        await c.SyncAsync();
        await watcher.SyncAsync();

        server.Time.Advance(TimeSpan.FromSeconds(25));
        Assert.DoesNotContain(await c.SyncAsync(), m => m.Command == "NICK");

        server.Time.Advance(TimeSpan.FromSeconds(10));
        var nick = await c.ExpectAsync("NICK");
        Assert.Equal("alice", nick.Source!.Split('!')[0]);
        Assert.Matches("^Guest[0-9]{5}$", nick.Parameters[0]);
        Assert.Equal(nick.Parameters[0], c.Session.Nick);
        Assert.Equal(nick.Parameters[0], (await watcher.ExpectAsync("NICK")).Parameters[0]);
    }

    [Fact]
    public async Task LoggingInInTime_KeepsTheNick()
    {
        await using var server = new TestServer();
        await server.CreateAccountAsync("alice", "sesame");
        var c = await server.ConnectRegisteredAsync("someone");
        await c.SendAsync("NICK Alice");
        Assert.Contains(await c.SyncAsync(), m => m.Source == NickServSource);
        server.Time.Advance(TimeSpan.FromSeconds(10));
        await c.SendAsync("PRIVMSG NickServ :IDENTIFY sesame");
        await c.ExpectAsync(Numerics.RPL_LOGGEDIN);
        server.Time.Advance(TimeSpan.FromSeconds(60));
        Assert.DoesNotContain(await c.SyncAsync(), m => m.Command == "NICK");
        Assert.Equal("Alice", c.Session.Nick);
    }

    [Fact]
    public async Task ChangingAwayInTime_OrTheOwnerItself_IsLeftAlone()
    {
        await using var server = new TestServer();
        await server.CreateAccountAsync("alice", "sesame");
        var c = await server.ConnectRegisteredAsync("alice");
        await c.SendAsync("NICK other");
        await c.SyncAsync();
        var owner = server.Connect();
        await owner.SendAsync("PASS alice:sesame");
        await owner.RegisterAsync("alice");
        Assert.DoesNotContain(await owner.SyncAsync(), m => m.Source == NickServSource);
        server.Time.Advance(TimeSpan.FromSeconds(60));
        Assert.DoesNotContain(await c.SyncAsync(), m => m.Command == "NICK");
        Assert.DoesNotContain(await owner.SyncAsync(), m => m.Command == "NICK");
        Assert.Equal("other", c.Session.Nick);
        Assert.Equal("alice", owner.Session.Nick);
    }

    [Fact]
    public async Task LoggingOut_StartsTheClock_AndZeroTurnsProtectionOff()
    {
        await using var server = new TestServer(new ServerOptions { Accounts = new AccountOptions { NickEnforcementSeconds = 10 } });
        await server.CreateAccountAsync("alice", "sesame");
        var c = server.Connect();
        await c.SendAsync("PASS alice:sesame");
        await c.RegisterAsync("alice");
        await c.SendAsync("PRIVMSG NickServ :LOGOUT");
        Assert.Contains(await c.SyncAsync(), m => m.Source == NickServSource && m.Parameters[1].Contains("within 10 seconds", StringComparison.Ordinal));
        server.Time.Advance(TimeSpan.FromSeconds(15));
        Assert.StartsWith("Guest", (await c.ExpectAsync("NICK")).Parameters[0], StringComparison.Ordinal);

        await using var open = new TestServer(new ServerOptions { Accounts = new AccountOptions { NickEnforcementSeconds = 0 } });
        await open.CreateAccountAsync("alice", "sesame");
        var d = await open.ConnectRegisteredAsync("alice");
        Assert.DoesNotContain(await d.SyncAsync(), m => m.Source == NickServSource);
        open.Time.Advance(TimeSpan.FromSeconds(120));
        Assert.DoesNotContain(await d.SyncAsync(), m => m.Command == "NICK");
    }
}
