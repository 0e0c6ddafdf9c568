using System.Text;
using Parley.Protocol;
using Parley.Server.Hosting;
using Parley.Server.Tests.Infrastructure;

namespace Parley.Server.Tests.Connections;

public sealed class ConnectionTests
{
    [Fact]
    public async Task LineOverLimit_RepliesInputTooLong_AndNextLineStillWorks()
    {
        await using var server = new TestServer();
        var c = await server.ConnectRegisteredAsync("alice");
        await c.SendAsync("PRIVMSG alice :" + new string('x', 600));
        Assert.Equal(Numerics.ERR_INPUTTOOLONG, (await c.ReadAsync()).Command);
        // Bigger than any framed line: dropped as it arrives, in pieces with no line end yet.
        await c.SendRawAsync(Encoding.ASCII.GetBytes(new string('y', 10_000)));
        await c.SendRawAsync(Encoding.ASCII.GetBytes(new string('y', 10_000) + "\r\n"));
        Assert.Equal(Numerics.ERR_INPUTTOOLONG, (await c.ReadAsync()).Command);
        await c.SendAsync("PING after");
        var pong = await c.ReadAsync();
        Assert.Equal("after", pong.Parameters[^1]);
    }

    [Fact]
    public async Task LfOnlyLineEndings_AreAccepted()
    {
        await using var server = new TestServer();
        var c = server.Connect();
        await c.SendRawAsync(Encoding.ASCII.GetBytes("NICK lf\nUSER lf 0 * :LF\n"));
        Assert.Equal(Numerics.RPL_WELCOME, (await c.ReadAsync()).Command);
    }

    [Fact]
    public async Task RegistrationTimeout_ClosesUnregisteredConnection()
    {
        await using var server = new TestServer();
        var c = server.Connect();
        await c.SendAsync("NICK slow");
        await c.SyncAsync();
        server.Time.Advance(TimeSpan.FromSeconds(new LimitOptions().RegistrationTimeoutSeconds + ServerContext.SweepInterval.TotalSeconds));
        var all = await c.ReadUntilClosedAsync();
        Assert.Contains("Registration timed out", all[^1].Parameters[0]);
    }

    [Fact]
    public async Task IdleClient_GetsPing_ThenPingTimeout()
    {
        await using var server = new TestServer();
        var c = await server.ConnectRegisteredAsync("idle");
        var limits = new LimitOptions();
        server.Time.Advance(TimeSpan.FromSeconds(limits.PingIntervalSeconds + ServerContext.SweepInterval.TotalSeconds));
        var ping = await c.ExpectAsync("PING");
        Assert.Equal(TestServer.Name, ping.Parameters[0]);
        server.Time.Advance(TimeSpan.FromSeconds(limits.PingTimeoutSeconds + ServerContext.SweepInterval.TotalSeconds));
        var all = await c.ReadUntilClosedAsync();
        Assert.Contains("Ping timeout", all[^1].Parameters[0]);
    }

    [Fact]
    public async Task IdleClient_AnsweringPing_StaysConnected()
    {
        await using var server = new TestServer();
        var c = await server.ConnectRegisteredAsync("idle");
        var limits = new LimitOptions();
        server.Time.Advance(TimeSpan.FromSeconds(limits.PingIntervalSeconds + ServerContext.SweepInterval.TotalSeconds));
        var ping = await c.ExpectAsync("PING");
        await c.SendAsync("PONG :" + ping.Parameters[0]);
        await c.SyncAsync();
        server.Time.Advance(TimeSpan.FromSeconds(limits.PingTimeoutSeconds + ServerContext.SweepInterval.TotalSeconds));
        Assert.Empty(await c.SyncAsync());
        Assert.False(c.Session.IsClosing);
    }

    [Fact]
    public async Task SlowReader_OverflowingSendQ_IsDisconnected_OthersUnaffected()
    {
        await using var server = new TestServer(new ServerOptions { Limits = new LimitOptions { SendQBytes = 32 * 1024 } });
        var sender = await server.ConnectRegisteredAsync("sender");
        var slow = await server.ConnectRegisteredAsync("slow");
        var fast = await server.ConnectRegisteredAsync("fast");
        foreach (var c in new[] { sender, slow, fast })
        {
            await c.SendAsync("JOIN #flood");
            await c.SyncAsync();
        }
        // The pipe to 'slow' holds 64 KiB before the writer waits; then its 32 KiB SendQ fills.
        // The sender waits for the server every 10 lines, so the readers' queues stay far below it.
        var text = new string('z', 400);
        var seenBySender = new List<IrcMessage>();
        for (var i = 0; i < 400; i++)
        {
            await sender.SendAsync($"PRIVMSG #flood :{i} {text}");
            if (i % 10 == 9)
            {
                seenBySender.AddRange(await sender.SyncAsync());
                // The fast reader keeps up.
                await fast.ExpectAsync(m => m.Command == "PRIVMSG" && m.Parameters[1].StartsWith($"{i} ", StringComparison.Ordinal));
            }
        }
        var quit = Assert.Single(seenBySender, m => m.Command == "QUIT");
        Assert.StartsWith("slow!", quit.Source);
        Assert.Equal("SendQ exceeded", quit.Parameters[0]);
        Assert.False(fast.Session.IsClosing);
    }

    [Fact]
    public async Task Loopback_RegisterAndShutdown_ClientGetsError()
    {
        var server = await LoopbackServer.StartAsync();
        var (tcp, reader, stream) = await server.ConnectAsync();
        using (tcp)
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes("NICK loop\r\nUSER loop 0 * :Loop\r\n"));
            using var cts = new CancellationTokenSource(TestClient.DefaultTimeout);
            string? line;
            do
            {
                line = await reader.ReadLineAsync(cts.Token);
            }
            while (line is not null && !line.Contains(" 422 ", StringComparison.Ordinal) && !line.Contains(" 376 ", StringComparison.Ordinal));
            Assert.NotNull(line);
            var stop = server.DisposeAsync().AsTask();
            string? last = null;
            while ((line = await reader.ReadLineAsync(cts.Token)) is not null)
            {
                last = line;
            }
            Assert.StartsWith("ERROR :", last);
            Assert.Contains("Server shutting down", last);
            await stop;
        }
    }
}

public sealed class WallClockJumpTests
{
    /// <summary>A clock whose wall time can jump (an NTP step, a VM resumed) while monotonic time runs on.</summary>
    private sealed class JumpingClock : Microsoft.Extensions.Time.Testing.FakeTimeProvider
    {
        public JumpingClock()
            : base(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero))
        {
        }

        public TimeSpan WallOffset { get; set; }

        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + WallOffset;

        // FakeTimeProvider derives timestamps from GetUtcNow; monotonic time must not jump.
        public override long GetTimestamp() => base.GetUtcNow().UtcTicks;
    }

    [Fact]
    public async Task WallClockJumpingForward_TimesNobodyOut()
    {
        var clock = new JumpingClock();
        await using var server = new TestServer(time: clock);
        var registered = await server.ConnectRegisteredAsync("steady");
        var pending = server.Connect();
        await pending.SendAsync("NICK waiting");
        await pending.SyncAsync();
        clock.WallOffset = TimeSpan.FromHours(3);
        // Two sweeps pass on the monotonic clock: nothing is due there.
        clock.Advance(ServerContext.SweepInterval * 2);
        Assert.Empty(await registered.SyncAsync());
        Assert.Empty(await pending.SyncAsync());
        Assert.False(registered.Session.IsClosing);
        Assert.False(pending.Session.IsClosing);
    }
}
