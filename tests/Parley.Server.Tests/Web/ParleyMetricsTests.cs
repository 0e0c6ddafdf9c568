using Microsoft.Extensions.Time.Testing;
using Parley.Server.Diagnostics;
using Parley.Server.Hosting;
using Parley.Server.Tests.Infrastructure;

namespace Parley.Server.Tests.Web;

/// <summary>What each instrument counts, read from one server's own meter.</summary>
public sealed class ParleyMetricsTests
{
    [Fact]
    public async Task EveryCounter_ReadsZeroFromTheStart()
    {
        await using var server = new TestServer();
        using var probe = new MetricsProbe(server.Context.Metrics.Meter);
        Assert.Equal(0, probe.Read("parley.registrations"));
        Assert.Equal(0, probe.Read("parley.messages.delivered"));
        Assert.Equal(0, probe.Read("parley.sendq.disconnects"));
        Assert.Equal(0, probe.Read("parley.flood.limited"));
        Assert.Equal(0, probe.Read("parley.storage.errors", "store=history"));
        Assert.Equal(0, probe.Read("parley.connections", "transport=websocket"));
    }

    [Fact]
    public async Task Registrations_Commands_AndMessages_AreCounted()
    {
        await using var server = new TestServer();
        using var probe = new MetricsProbe(server.Context.Metrics.Meter);
        var a = await server.ConnectRegisteredAsync("alice");
        var b = await server.ConnectRegisteredAsync("bob");
        var c = await server.ConnectRegisteredAsync("carol");
        foreach (var x in new[] { a, b, c })
        {
            await x.SendAsync("JOIN #room");
            await x.SyncAsync();
        }
        await a.SendAsync("PRIVMSG #room :to two members");
        await a.SendAsync("PRIVMSG bob :to one");
        await a.SendAsync("NOTICE #room :two more");
        await a.SendAsync("BOGUS");
        await a.SyncAsync();

        Assert.Equal(3, probe.Read("parley.registrations"));
        Assert.Equal(2, probe.Read("parley.commands", "command=PRIVMSG"));
        Assert.Equal(1, probe.Read("parley.commands", "command=NOTICE"));
        Assert.Equal(3, probe.Read("parley.commands", "command=JOIN"));
        Assert.Equal(1, probe.Read("parley.commands", "command=unknown"));
        Assert.Equal(3, probe.Read("parley.messages.received"));
        // 2 + 1 + 2 copies; the sender's own (echo) is not one.
        Assert.Equal(5, probe.Read("parley.messages.delivered"));
        // History is on in the test server: the channel's messages were committed and timed.
        Assert.NotEmpty(probe.Recorded("parley.history.write.duration"));
        Assert.All(probe.Recorded("parley.history.write.duration"), s => Assert.InRange(s, 0, 60));
    }

    [Fact]
    public async Task FloodLimitedCommands_AreCounted()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = new TestServer(floodControl: true, time: time);
        using var probe = new MetricsProbe(server.Context.Metrics.Meter);
        var a = await server.ConnectRegisteredAsync("alice");
        var burst = new FloodOptions().Burst;
        for (var i = 0; i < burst + 3; i++)
        {
            await a.SendAsync($"PRIVMSG alice :{i}");
        }
        // The burst runs; the next one waits for the clock, and is counted as it starts waiting.
        for (var i = 0; i < burst; i++)
        {
            await a.ExpectAsync("PRIVMSG");
        }
        // The waiting command may not have armed its timer yet when the clock moves: move it
        // again until the PING behind the held commands is answered.
        var synced = false;
        for (var attempt = 0; attempt < 20 && !synced; attempt++)
        {
            time.Advance(TimeSpan.FromSeconds(10));
            try
            {
                await a.SyncAsync(TimeSpan.FromMilliseconds(500));
                synced = true;
            }
            catch (TimeoutException)
            {
            }
        }
        Assert.True(synced, "the flood-limited commands never ran");
        Assert.InRange(probe.Read("parley.flood.limited"), 1, 4);
    }

    [Fact]
    public async Task SendQDisconnects_AreCounted()
    {
        await using var server = new TestServer(new ServerOptions { Limits = new LimitOptions { SendQBytes = 32 * 1024 } });
        using var probe = new MetricsProbe(server.Context.Metrics.Meter);
        var sender = await server.ConnectRegisteredAsync("sender");
        var slow = await server.ConnectRegisteredAsync("slow");
        foreach (var c in new[] { sender, slow })
        {
            await c.SendAsync("JOIN #flood");
            await c.SyncAsync();
        }
        var text = new string('z', 400);
        for (var i = 0; i < 400 && !slow.Session.IsClosing; i++)
        {
            await sender.SendAsync($"PRIVMSG #flood :{i} {text}");
            if (i % 10 == 9)
            {
                await sender.SyncAsync();
            }
        }
        await sender.SyncAsync();
        Assert.True(slow.Session.IsClosing);
        Assert.Equal(1, probe.Read("parley.sendq.disconnects"));
    }

    [Fact]
    public async Task AFailedHistoryCommit_IsAStorageError()
    {
        await using var server = new TestServer();
        using var probe = new MetricsProbe(server.Context.Metrics.Meter);
        var a = await server.ConnectRegisteredAsync("alice");
        await a.SendAsync("JOIN #room");
        await a.SyncAsync();
        server.Context.History!.Dispose();
        await a.SendAsync("PRIVMSG #room :into a closed store");
        await a.SyncAsync();
        Assert.True(probe.Read("parley.storage.errors", "store=history") >= 1);
        Assert.Equal(0, probe.Read("parley.storage.errors", "store=command"));
    }

    [Fact]
    public async Task Connections_ByTransport_OpenAndActive()
    {
        var options = new ServerOptions { Http = new HttpOptions { WebSocketListen = ["127.0.0.1:0"] } };
        await using var server = await LoopbackServer.StartAsync(options);
        using var probe = new MetricsProbe(server.Context.Metrics.Meter);
        await using (var tcp = await TcpLineClient.ConnectAsync(server.EndPoint))
        {
            await tcp.RegisterAsync("plain");
            await using var web = await WebSocketLineClient.ConnectAsync(server.WebSocketEndPoint!, ["text.ircv3.net"]);
            await web.RegisterAsync("web");
            Assert.Equal(1, probe.Read("parley.connections", "transport=tcp"));
            Assert.Equal(1, probe.Read("parley.connections", "transport=websocket"));
            Assert.Equal(1, probe.Read("parley.connections.active", "transport=websocket"));
            await web.SendAsync("QUIT");
            await web.ReadUntilClosedAsync();
        }
        await server.Context.WhenNoSessionsAsync().WaitAsync(TestClient.DefaultTimeout);
        // A total: it stays when the connection is gone.
        Assert.Equal(1, probe.Read("parley.connections", "transport=websocket"));
    }

    [Fact]
    public void MeterName_IsParley() => Assert.Equal("Parley", ParleyMetrics.MeterName);
}
