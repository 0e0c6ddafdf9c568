using Parley.Protocol;
using Parley.Server.Tests.Infrastructure;

namespace Parley.Server.Tests.Operators;

public sealed class OperTests
{
    [Fact]
    public async Task Oper_WithRightNameAndPassword_RepliesYoureOperAndModePlusO()
    {
        await using var server = new TestServer(Opers.Options());
        var alice = await server.ConnectRegisteredAsync("alice");

        await alice.SendAsync($"OPER {Opers.Name} :{Opers.Password}");
        var all = await alice.SyncAsync();

        Assert.Equal([Numerics.RPL_YOUREOPER, "MODE"], all.Select(m => m.Command));
        Assert.Equal("alice", all[1].Source);
        Assert.Equal(["alice", "+o"], all[1].Parameters);
        Assert.True(alice.Session.User.IsOperator);
        Assert.Equal(Opers.Name, alice.Session.User.OperName);
    }

    [Fact]
    public async Task Oper_CountsInLusers()
    {
        await using var server = new TestServer(Opers.Options());
        var alice = await server.ConnectRegisteredAsync("alice");
        await Opers.OperAsync(alice);

        await alice.SendAsync("LUSERS");
        var op = await alice.ExpectAsync(Numerics.RPL_LUSEROP);

        Assert.Equal("1", op.Parameters[1]);
    }

    [Theory]
    [InlineData("OPER root wrong")]
    [InlineData("OPER ROOT :correct horse")]
    [InlineData("OPER nobody :correct horse")]
    public async Task Oper_WithWrongNameOrPassword_RepliesPasswdMismatch(string line)
    {
        await using var server = new TestServer(Opers.Options());
        var alice = await server.ConnectRegisteredAsync("alice");

        await alice.SendAsync(line);

        Assert.Equal([Numerics.ERR_PASSWDMISMATCH], (await alice.SyncAsync()).Select(m => m.Command));
        Assert.False(alice.Session.User.IsOperator);
    }

    [Fact]
    public async Task Oper_WithNoOperatorsConfigured_RepliesPasswdMismatch()
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");

        await alice.SendAsync("OPER root pw");

        Assert.Equal([Numerics.ERR_PASSWDMISMATCH], (await alice.SyncAsync()).Select(m => m.Command));
    }

    [Fact]
    public async Task Oper_WithoutPassword_RepliesNeedMoreParams()
    {
        await using var server = new TestServer(Opers.Options());
        var alice = await server.ConnectRegisteredAsync("alice");

        await alice.SendAsync("OPER root");

        Assert.Equal([Numerics.ERR_NEEDMOREPARAMS], (await alice.SyncAsync()).Select(m => m.Command));
    }

    [Theory]
    [InlineData("*!*@10.0.0.*", false)]
    [InlineData("bob!*@*", false)]
    [InlineData("*@127.0.0.1", true)]
    [InlineData("alice!~alice@127.0.0.*", true)]
    [InlineData("alice", true)]
    public async Task Oper_HostMask_MustMatchOrRepliesNoOperHost(string mask, bool allowed)
    {
        await using var server = new TestServer(Opers.Options(mask));
        var alice = await server.ConnectRegisteredAsync("alice");

        await alice.SendAsync($"OPER {Opers.Name} :{Opers.Password}");
        var first = (await alice.SyncAsync())[0];

        Assert.Equal(allowed ? Numerics.RPL_YOUREOPER : Numerics.ERR_NOOPERHOST, first.Command);
        Assert.Equal(allowed, alice.Session.User.IsOperator);
    }

    [Fact]
    public async Task Oper_Again_RepliesYoureOperWithoutAnotherMode()
    {
        await using var server = new TestServer(Opers.Options());
        var alice = await server.ConnectRegisteredAsync("alice");
        await Opers.OperAsync(alice);

        await alice.SendAsync($"OPER {Opers.Name} :{Opers.Password}");

        Assert.Equal([Numerics.RPL_YOUREOPER], (await alice.SyncAsync()).Select(m => m.Command));
    }
}
