using Parley.Protocol;
using Parley.Server.Hosting;
using Parley.Server.Tests.Infrastructure;

namespace Parley.Server.Tests.Operators;

public sealed class RehashTests
{
    [Fact]
    public async Task Rehash_AppliesTheReloadedOptionsAndKeepsConnections()
    {
        var next = Opers.Options() with { Admin = new AdminOptions { Email = "new@example.org" }, Limits = new LimitOptions { AwayLength = 77 } };
        await using var server = new TestServer(Opers.Options(), reload: () => next);
        var oper = await server.ConnectRegisteredAsync("oper");
        var bystander = await server.ConnectRegisteredAsync("bystander");
        await Opers.OperAsync(oper);

        await oper.SendAsync("REHASH");
        var all = await oper.SyncAsync();

        Assert.Equal([Numerics.RPL_REHASHING, "NOTICE"], all.Select(m => m.Command));
        Assert.Equal("Rehash complete", all[1].Parameters[^1]);
        Assert.Empty(await bystander.SyncAsync());
        Assert.Equal("new@example.org", server.Context.Options.Admin.Email);
        Assert.Equal("77", server.Context.ISupport.Get("AWAYLEN"));
        Assert.Equal(TestServer.Name, server.Context.Name);
    }

    [Fact]
    public async Task Rehash_WhenReloadFails_RepliesFailWithTheErrorAndKeepsTheOldOptions()
    {
        var options = Opers.Options() with { Admin = new AdminOptions { Email = "old@example.org" } };
        await using var server = new TestServer(options, reload: () => throw new InvalidOperationException("config file 'x.json': bad value\nmore detail"));
        var oper = await server.ConnectRegisteredAsync("oper");
        await Opers.OperAsync(oper);

        await oper.SendAsync("REHASH");
        var all = await oper.SyncAsync();

        var fail = all.Single(m => m.Command == "FAIL");
        Assert.Equal(["REHASH", "CONFIG_INVALID"], fail.Parameters.Take(2));
        Assert.EndsWith("config file 'x.json': bad value", fail.Parameters[^1], StringComparison.Ordinal);
        Assert.Equal("old@example.org", server.Context.Options.Admin.Email);
    }

    [Fact]
    public async Task Rehash_WithNothingToReload_Fails()
    {
        await using var server = new TestServer(Opers.Options());
        var oper = await server.ConnectRegisteredAsync("oper");
        await Opers.OperAsync(oper);

        await oper.SendAsync("REHASH");
        var fail = await oper.ReadAsync();

        Assert.Equal(["REHASH", "NOT_AVAILABLE"], fail.Parameters.Take(2));
    }

    [Fact]
    public async Task Rehash_ByNonOper_RepliesNoPrivileges()
    {
        var reloaded = false;
        await using var server = new TestServer(Opers.Options(), reload: () => { reloaded = true; return Opers.Options(); });
        var alice = await server.ConnectRegisteredAsync("alice");

        await alice.SendAsync("REHASH");

        Assert.Equal(Numerics.ERR_NOPRIVILEGES, (await alice.ReadAsync()).Command);
        Assert.False(reloaded);
    }
}
