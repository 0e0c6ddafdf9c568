using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using Parley.Client.Tests.Infrastructure;

namespace Parley.Client.Tests;

/// <summary>A scripted server drops the client; the fake clock drives the backoff, nothing sleeps.</summary>
public sealed class ReconnectTests
{
    private static readonly ReconnectPolicy Policy = new()
    {
        InitialDelay = TimeSpan.FromSeconds(2),
        MaxDelay = TimeSpan.FromSeconds(30),
        MaxAttempts = 4,
    };

    [Fact]
    public async Task Drop_ReconnectsAfterTheBackoffDelay_AndRejoinsChannels()
    {
        await using var server = new ScriptedServer();
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var client = new IrcClient(new IrcClientOptions
        {
            Host = "127.0.0.1", Port = server.Port, Nick = "alice", Time = time, Random = new Random(1), Reconnect = Policy,
        });
        var login = client.StartAsync();
        var first = await server.AcceptAsync();
        await first.WelcomeAsync("alice");
        Assert.True((await login).Success);
        await first.SendAsync(":alice!a@h JOIN #room");
        await client.WaitForAsync<JoinEvent>();

        first.Drop();
        var lost = await client.WaitForAsync<DisconnectedEvent>();
        Assert.True(lost.WillReconnect);
        var retry = await client.WaitForAsync<ReconnectingEvent>();
        Assert.Equal(1, retry.Attempt);
        Assert.InRange(retry.Delay, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));

        var accept = server.AcceptAsync();
        time.Advance(retry.Delay - TimeSpan.FromMilliseconds(1));
        Assert.False(accept.IsCompleted, "reconnected before the delay was over");
        time.Advance(TimeSpan.FromMilliseconds(1));
        var second = await accept;
        await second.WelcomeAsync("alice");
        Assert.Equal("JOIN #room", await second.ExpectAsync("JOIN"));
        var back = await client.WaitForAsync<ConnectedEvent>();
        Assert.Equal("alice", back.Nick);
    }

    [Fact]
    public async Task RefusedConnections_BackOffExponentially_ThenGiveUp()
    {
        var time = new FakeTimeProvider();
        var connects = 0;
        await using var server = new ScriptedServer();
        var options = new IrcClientOptions
        {
            Nick = "alice", Time = time, Random = new Random(7), Reconnect = Policy,
            Connect = async ct =>
            {
                if (Interlocked.Increment(ref connects) == 1)
                {
                    var tcp = new TcpClient();
                    await tcp.ConnectAsync("127.0.0.1", server.Port, ct);
                    return tcp.GetStream();
                }
                throw new SocketException((int)SocketError.ConnectionRefused);
            },
        };
        await using var client = new IrcClient(options);
        var login = client.StartAsync();
        var first = await server.AcceptAsync();
        await first.WelcomeAsync("alice");
        Assert.True((await login).Success);
        first.Drop();

        var ceilings = new[] { 2, 4, 8, 16 };
        foreach (var (ceiling, attempt) in ceilings.Select((c, i) => (c, i + 1)))
        {
            var retry = await client.WaitForAsync<ReconnectingEvent>();
            Assert.Equal(attempt, retry.Attempt);
            Assert.InRange(retry.Delay.TotalSeconds, ceiling / 2.0, ceiling);
            time.Advance(retry.Delay);
            await client.WaitForAsync<ConnectFailedEvent>();
        }
        var end = await client.WaitForAsync<DisconnectedEvent>(d => !d.WillReconnect);
        Assert.Contains("gave up after 4 attempts", end.Reason, StringComparison.Ordinal);
        Assert.Equal(5, connects);
    }

    [Fact]
    public async Task Stop_DuringBackoff_EndsTheEventsWithoutAnotherAttempt()
    {
        await using var server = new ScriptedServer();
        var time = new FakeTimeProvider();
        var client = new IrcClient(new IrcClientOptions { Host = "127.0.0.1", Port = server.Port, Nick = "alice", Time = time, Reconnect = Policy });
        var login = client.StartAsync();
        var first = await server.AcceptAsync();
        await first.WelcomeAsync("alice");
        await login;
        first.Drop();
        await client.WaitForAsync<ReconnectingEvent>();

        await client.StopAsync();

        using var cts = new CancellationTokenSource(Events.Timeout);
        await client.Events.Completion.WaitAsync(cts.Token);
        time.Advance(TimeSpan.FromMinutes(5));
        Assert.False(client.IsConnected);
    }

    [Fact]
    public async Task Reconnect_WithChatHistory_FetchesWhatWasMissed()
    {
        await using var server = new ScriptedServer();
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var client = new IrcClient(new IrcClientOptions
        {
            Host = "127.0.0.1", Port = server.Port, Nick = "alice", Time = time, Reconnect = Policy,
        });
        var login = client.StartAsync();
        var first = await server.AcceptAsync();
        await RegisterWithHistoryAsync(first);
        Assert.True((await login).Success);
        Assert.True(client.HasCap("draft/chathistory"));
        await first.SendAsync(
            ":alice!a@h JOIN #room",
            "@time=2026-01-01T00:00:05.000Z;msgid=m1 :bob!b@h PRIVMSG #room :before the drop");
        Assert.Equal("before the drop", (await client.WaitForAsync<MessageEvent>()).Text);

        first.Drop();
        var retry = await client.WaitForAsync<ReconnectingEvent>();
        time.Advance(retry.Delay);
        var second = await server.AcceptAsync();
        await RegisterWithHistoryAsync(second);
        Assert.Equal("JOIN #room", await second.ExpectAsync("JOIN"));
        Assert.Equal("CHATHISTORY AFTER #room timestamp=2026-01-01T00:00:05.000Z 100", await second.ExpectAsync("CHATHISTORY"));
        await second.SendAsync(
            ":parley.test BATCH +h1 chathistory #room",
            "@batch=h1;time=2026-01-01T00:00:05.000Z;msgid=m1 :bob!b@h PRIVMSG #room :before the drop",
            "@batch=h1;time=2026-01-01T00:00:09.000Z;msgid=m2 :bob!b@h PRIVMSG #room :while you were away",
            ":parley.test BATCH -h1");

        var missed = await client.WaitForAsync<MessageEvent>();
        Assert.Equal("while you were away", missed.Text);
        Assert.True(missed.IsHistory);
        Assert.Equal(DateTimeOffset.Parse("2026-01-01T00:00:09Z", System.Globalization.CultureInfo.InvariantCulture), missed.Time);
    }

    private static async Task RegisterWithHistoryAsync(ScriptedConnection c)
    {
        await c.ExpectAsync("CAP LS");
        await c.SendAsync(":parley.test CAP * LS :batch server-time message-tags draft/chathistory");
        var req = await c.ExpectAsync("CAP REQ");
        await c.SendAsync(":parley.test CAP * ACK :" + req[(req.IndexOf(':', StringComparison.Ordinal) + 1)..]);
        await c.ExpectAsync("CAP END");
        await c.SendAsync(":parley.test 001 alice :Welcome");
    }
}
