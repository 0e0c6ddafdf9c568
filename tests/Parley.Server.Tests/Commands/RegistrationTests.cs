using Parley.Protocol;
using Parley.Server.Hosting;
using Parley.Server.Tests.Infrastructure;

namespace Parley.Server.Tests.Commands;

public sealed class RegistrationTests
{
    [Fact]
    public async Task Register_WithNickAndUser_SendsWelcomeBurstInOrder()
    {
        await using var server = new TestServer();
        var c = server.Connect();
        await c.SendAsync("NICK alice");
        await c.SendAsync("USER alice 0 * :Alice Liddell");
        var welcome = await c.ReadAsync();
        Assert.Equal(Numerics.RPL_WELCOME, welcome.Command);
        Assert.Equal("alice", welcome.Parameters[0]);
        Assert.Contains("alice!~alice@127.0.0.1", welcome.Parameters[1]);
        Assert.Equal(Numerics.RPL_YOURHOST, (await c.ReadAsync()).Command);
        Assert.Equal(Numerics.RPL_CREATED, (await c.ReadAsync()).Command);
        Assert.Equal(Numerics.RPL_MYINFO, (await c.ReadAsync()).Command);
        var isupport = await c.ReadAsync();
        Assert.Equal(Numerics.RPL_ISUPPORT, isupport.Command);
        Assert.Contains("CASEMAPPING=rfc1459", isupport.Parameters);
        var rest = await c.SyncAsync();
        Assert.Contains(rest, m => m.Command == Numerics.RPL_LUSERCLIENT);
        Assert.Contains(rest, m => m.Command == Numerics.ERR_NOMOTD);
    }

    [Fact]
    public async Task Nick_AlreadyInUse_RepliesNicknameInUse()
    {
        await using var server = new TestServer();
        await server.ConnectRegisteredAsync("alice");
        var c = server.Connect();
        await c.SendAsync("NICK ALICE");
        var reply = await c.ReadAsync();
        Assert.Equal(Numerics.ERR_NICKNAMEINUSE, reply.Command);
        Assert.Equal(["*", "ALICE", "Nickname is already in use"], reply.Parameters);
    }

    [Fact]
    public async Task User_WithEmptyRealname_RepliesNeedMoreParams()
    {
        await using var server = new TestServer();
        var c = server.Connect();
        await c.SendAsync("NICK foo");
        await c.SendAsync("USER username * * :");
        var reply = await c.ReadAsync();
        Assert.Equal(Numerics.ERR_NEEDMOREPARAMS, reply.Command);
        Assert.Equal("USER", reply.Parameters[1]);
    }

    [Theory]
    [InlineData("1abc")]
    [InlineData("a b")]
    [InlineData("-dash")]
    [InlineData("#chan")]
    [InlineData("nick!x")]
    public async Task Nick_Invalid_RepliesErroneusNickname(string nick)
    {
        await using var server = new TestServer();
        var c = server.Connect();
        await c.SendAsync($"NICK :{nick}");
        Assert.Equal(Numerics.ERR_ERRONEUSNICKNAME, (await c.ReadAsync()).Command);
    }

    [Fact]
    public async Task CapLs_SuspendsRegistrationUntilCapEnd()
    {
        await using var server = new TestServer();
        var c = server.Connect();
        await c.SendAsync("CAP LS 302");
        await c.SendAsync("NICK bob");
        await c.SendAsync("USER bob 0 * :Bob");
        var ls = await c.ReadAsync();
        Assert.Equal("CAP", ls.Command);
        Assert.Equal("LS", ls.Parameters[1]);
        Assert.Contains("draft/multiline=max-bytes=4096", ls.Parameters[^1]);
        var before = await c.SyncAsync();
        Assert.DoesNotContain(before, m => m.Command == Numerics.RPL_WELCOME);
        await c.SendAsync("CAP REQ :server-time unknown-cap");
        var nak = await c.ReadAsync();
        Assert.Equal(["*", "NAK", "server-time unknown-cap"], nak.Parameters.Skip(0).Take(3).ToArray() is var p && p[0] == "bob" ? ["*", p[1], p[2]] : p);
        await c.SendAsync("CAP END");
        Assert.Equal(Numerics.RPL_WELCOME, (await c.ReadAsync()).Command);
    }

    [Fact]
    public async Task ServerPassword_Wrong_RepliesPasswdMismatchAndCloses()
    {
        await using var server = new TestServer(new ServerOptions { Password = "sesame" });
        var c = server.Connect();
        await c.SendAsync("PASS wrong");
        await c.SendAsync("NICK carol");
        await c.SendAsync("USER carol 0 * :Carol");
        var all = await c.ReadUntilClosedAsync();
        Assert.Contains(all, m => m.Command == Numerics.ERR_PASSWDMISMATCH);
        Assert.Equal("ERROR", all[^1].Command);
    }

    [Fact]
    public async Task ServerPassword_Right_Registers()
    {
        await using var server = new TestServer(new ServerOptions { Password = "sesame" });
        var c = server.Connect();
        await c.SendAsync("PASS sesame");
        await c.SendAsync("NICK carol");
        await c.SendAsync("USER carol 0 * :Carol");
        Assert.Equal(Numerics.RPL_WELCOME, (await c.ReadAsync()).Command);
    }

    [Fact]
    public async Task CommandBeforeRegistration_RepliesNotRegistered()
    {
        await using var server = new TestServer();
        var c = server.Connect();
        await c.SendAsync("JOIN #a");
        Assert.Equal(Numerics.ERR_NOTREGISTERED, (await c.ReadAsync()).Command);
    }

    [Fact]
    public async Task Quit_SendsErrorAndOthersSeeQuit()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");
        var bob = await server.ConnectRegisteredAsync("bob");
        await alice.SendAsync("JOIN #x");
        await alice.SyncAsync();
        await bob.SendAsync("JOIN #x");
        await bob.SyncAsync();
        await alice.SyncAsync();
        await bob.SendAsync("QUIT :gone fishing");
        var closing = await bob.ReadUntilClosedAsync();
        Assert.Equal("ERROR", closing[^1].Command);
        var quit = await alice.ExpectAsync("QUIT");
        Assert.StartsWith("bob!", quit.Source);
        Assert.Equal("Quit: gone fishing", quit.Parameters[0]);
    }

    [Fact]
    public async Task Ping_RepliesPongWithToken()
    {
        await using var server = new TestServer();
        var c = server.Connect();
        await c.SendAsync("PING :hello there");
        var pong = await c.ReadAsync();
        Assert.Equal("PONG", pong.Command);
        Assert.Equal([TestServer.Name, "hello there"], pong.Parameters);
    }
}
