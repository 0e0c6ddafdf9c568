using System.Net;
using Microsoft.Extensions.Time.Testing;
using Parley.Protocol;
using Parley.Server.Security;
using Parley.Server.Tests.Infrastructure;
using Parley.Server.Tests.Operators;

namespace Parley.Server.Tests.Security;

public sealed class ServerBanTests
{
    [Fact]
    public void Bans_PersistAcrossLoads_ExpireOnTheClock_AndAreReplacedAtomically()
    {
        var dir = Directory.CreateTempSubdirectory("parley-bans-").FullName;
        try
        {
            var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
            var bans = ServerBans.Load(dir, time);
            bans.Add(new ServerBan(BanKind.KLine, "*@192.0.2.*", "spam", "root", time.GetUtcNow(), null));
            bans.Add(new ServerBan(BanKind.DLine, "198.51.100.0/24", "flood", "root", time.GetUtcNow(), time.GetUtcNow().AddMinutes(10)));

            var reloaded = ServerBans.Load(dir, time);
            Assert.Single(reloaded.List(BanKind.KLine));
            Assert.NotNull(reloaded.MatchAddress(IPAddress.Parse("198.51.100.77")));
            Assert.Null(reloaded.MatchAddress(IPAddress.Parse("198.51.101.1")));
            Assert.NotNull(reloaded.MatchUser("bob", "192.0.2.9", "cloak.parley"));
            Assert.Equal(["bans.json"], Directory.GetFiles(dir).Select(Path.GetFileName));

            time.Advance(TimeSpan.FromMinutes(10));
            Assert.Null(reloaded.MatchAddress(IPAddress.Parse("198.51.100.77")));
            Assert.Empty(reloaded.List(BanKind.DLine));

            Assert.True(reloaded.Remove(BanKind.KLine, "*@192.0.2.*"));
            Assert.False(reloaded.Remove(BanKind.KLine, "*@192.0.2.*"));
            Assert.Empty(ServerBans.Load(dir, time).List(BanKind.KLine));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void DamagedFile_IsAnError_NotAnEmptyList()
    {
        var dir = Directory.CreateTempSubdirectory("parley-bans-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, ServerBans.FileName), "[{ not json");
            Assert.Throws<InvalidOperationException>(() => ServerBans.Load(dir, TimeProvider.System));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("*@127.0.0.1", true)]
    [InlineData("alice@127.0.0.*", true)]
    [InlineData("~alice@127.0.0.1", true)]
    [InlineData("*@127.0.0.0/8", true)]
    [InlineData("bob@127.0.0.1", false)]
    [InlineData("*@10.0.0.1", false)]
    public void KLineMasks_MatchUserAndRealHostOrBlock(string mask, bool matches)
    {
        var bans = ServerBans.InMemory(TimeProvider.System);
        bans.Add(new ServerBan(BanKind.KLine, mask, "r", "root", DateTimeOffset.UnixEpoch, null));
        Assert.Equal(matches, bans.MatchUser("alice", "127.0.0.1", "abc.parley") is not null);
    }

    [Fact]
    public async Task KLine_DisconnectsThoseConnected_RefusesNewcomersWith465_ListsInStats_AndUnklineLifts()
    {
        await using var server = new TestServer(Opers.Options());
        var oper = await server.ConnectRegisteredAsync("oper");
        await Opers.OperAsync(oper);
        var victim = await server.ConnectRegisteredAsync("victim");

        await oper.SendAsync("KLINE 30 *@127.0.0.1 :go away");
        var notice = Assert.Single(await oper.SyncAsync(), m => m.Command == "NOTICE");
        Assert.Equal("Added K-line for *@127.0.0.1 (30 minutes): go away; 1 disconnected", notice.Parameters[1]);
        var closed = await victim.ReadUntilClosedAsync();
        Assert.Equal("ERROR", closed[^1].Command);
        Assert.Contains("K-Lined: go away", closed[^1].Parameters[0], StringComparison.Ordinal);
        Assert.False(oper.Session.IsClosing);

        var newcomer = server.Connect();
        await newcomer.SendAsync("NICK newbie");
        await newcomer.SendAsync("USER newbie 0 * :New");
        var refused = await newcomer.ReadUntilClosedAsync();
        Assert.Contains(refused, m => m.Command == Numerics.ERR_YOUREBANNEDCREEP);
        Assert.DoesNotContain(refused, m => m.Command == Numerics.RPL_WELCOME);

        await oper.SendAsync("STATS k");
        var stats = await oper.SyncAsync();
        var line = Assert.Single(stats, m => m.Command == "216");
        Assert.Equal(["oper", "K", "127.0.0.1", "*", "*"], line.Parameters.Take(5));
        Assert.StartsWith("go away (until 2026-11-25 12:30 UTC) [root]", line.Parameters[5], StringComparison.Ordinal);

        await oper.SendAsync("UNKLINE *@127.0.0.1");
        Assert.Contains(await oper.SyncAsync(), m => m.Command == "NOTICE" && m.Parameters[1] == "Removed K-line for *@127.0.0.1");
        var welcome = server.Connect();
        await welcome.RegisterAsync("welcome");
    }

    [Theory]
    [InlineData("KLINE *@1.2.3.4 :x")]
    [InlineData("DLINE 10.0.0.0/8 :x")]
    [InlineData("UNKLINE x")]
    [InlineData("UNDLINE 10.0.0.1")]
    public async Task BanCommands_AreForOperatorsOnly(string line)
    {
        await using var server = new TestServer();
        var alice = await server.ConnectRegisteredAsync("alice");
        await alice.SendAsync(line);
        Assert.Contains(await alice.SyncAsync(), m => m.Command == Numerics.ERR_NOPRIVILEGES);
    }

    [Fact]
    public async Task DLine_WithABadMask_Fails()
    {
        await using var server = new TestServer(Opers.Options());
        var oper = await server.ConnectRegisteredAsync("oper", "standard-replies");
        await Opers.OperAsync(oper);
        await oper.SendAsync("DLINE not-an-address :x");
        var fail = Assert.Single(await oper.SyncAsync(), m => m.Command == "FAIL");
        Assert.Equal(["DLINE", "INVALID_MASK"], fail.Parameters.Take(2));
    }

    [Fact]
    public async Task DLine_RefusesAtConnect_OverTheRealListener()
    {
        await using var server = await LoopbackServer.StartAsync(Opers.Options());
        var context = (ServerContext)server.App.Services.GetService(typeof(ServerContext))!;
        context.Bans.Add(new ServerBan(BanKind.DLine, "127.0.0.0/8", "no loopback today", "root", DateTimeOffset.UtcNow, null));

        var (tcp, reader, _) = await server.ConnectAsync();
        using (tcp)
        {
            using var cts = new CancellationTokenSource(TestClient.DefaultTimeout);
            Assert.Equal("ERROR :Closing Link: 127.0.0.1 (D-Lined: no loopback today)", await reader.ReadLineAsync(cts.Token));
            Assert.Null(await reader.ReadLineAsync(cts.Token));
        }
        Assert.True(File.Exists(Path.Combine(server.DataDir, ServerBans.FileName)));
    }
}
