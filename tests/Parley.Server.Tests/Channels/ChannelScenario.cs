using Parley.Protocol;
using Parley.Server.Hosting;
using Parley.Server.Tests.Infrastructure;

namespace Parley.Server.Tests.Channels;

/// <summary>Common set-ups for the channel protocol tests; every step waits for the server (SyncAsync).</summary>
internal static class ChannelScenario
{
    /// <summary>Options for tests that move the fake clock by minutes: no keepalive PING or ping timeout gets in the way.</summary>
    public static readonly ServerOptions QuietClock = new()
    {
        Limits = new LimitOptions { PingIntervalSeconds = 86_400, PingTimeoutSeconds = 86_400 },
    };

    /// <summary>Joins and waits until the server has answered; returns what it sent.</summary>
    public static async Task<List<IrcMessage>> JoinAsync(TestClient client, string channel)
    {
        await client.SendAsync("JOIN " + channel);
        return await client.SyncAsync();
    }

    /// <summary>"op" creates <paramref name="channel"/> (and is opped), "bob" joins; both have drained their queues.</summary>
    public static async Task<(TestClient Op, TestClient Bob)> OpAndMemberAsync(TestServer server, string channel = "#chan", params string[] bobCaps)
    {
        var op = await server.ConnectRegisteredAsync("op");
        var bob = await server.ConnectRegisteredAsync("bob", bobCaps);
        await JoinAsync(op, channel);
        await JoinAsync(bob, channel);
        await op.SyncAsync();
        return (op, bob);
    }

    /// <summary>Sends a line and returns everything the server answered to it.</summary>
    public static async Task<List<IrcMessage>> SendAndSyncAsync(TestClient client, string line)
    {
        await client.SendAsync(line);
        return await client.SyncAsync();
    }
}
