using Parley.Protocol;
using Parley.Server.Hosting;
using Parley.Server.Tests.Accounts;
using Parley.Server.Tests.Infrastructure;
using static Parley.Server.Tests.Metadata.MetadataClients;

namespace Parley.Server.Tests.Metadata;

/// <summary>
/// Metadata with multiclient: the user's keys are shared by its connections, subscriptions are
/// each connection's own, and what one connection changes the others subscribed are told (as Ergo).
/// </summary>
public sealed class MetadataMulticlientTests
{
    private static async Task<TestServer> ServerAsync()
    {
        var server = new TestServer(new ServerOptions
        {
            Accounts = new AccountOptions { Multiclient = new MulticlientOptions { Enabled = true } },
        });
        await server.CreateAccountAsync("alice", "sesame");
        return server;
    }

    /// <summary>A connection logged in to alice with SASL, with the metadata capability, registered as alice; <paramref name="beforeEnd"/> is sent before CAP END.</summary>
    private static async Task<(TestClient Client, List<IrcMessage> Burst)> LoginAsync(TestServer server, string? beforeEnd = null)
    {
        var c = server.Connect();
        await c.SendAsync("CAP LS 302");
        await c.SendAsync("CAP REQ :sasl batch " + Cap);
        await c.ExpectAsync(m => m.Command == "CAP" && m.Parameters[1] == "ACK");
        await c.SendAsync("AUTHENTICATE PLAIN");
        await c.ExpectAsync("AUTHENTICATE");
        await c.SendAsync("AUTHENTICATE " + Sasl.Plain("alice", "sesame"));
        await c.ExpectAsync(Numerics.RPL_SASLSUCCESS);
        if (beforeEnd is not null)
        {
            await c.SendAsync(beforeEnd);
        }
        await c.SendAsync("NICK alice");
        await c.SendAsync("USER alice 0 * :Alice");
        await c.SendAsync("CAP END");
        return (c, await c.SyncAsync());
    }

    [Fact]
    public async Task Subscriptions_AreEachConnections_AndAChangeByOneReachesTheOthersSubscribed()
    {
        await using var server = await ServerAsync();
        var (first, _) = await LoginAsync(server);
        var (second, _) = await LoginAsync(server);
        await SendAsync(first, "METADATA * SUB display-name");

        var own = await SendAsync(second, "METADATA * SET display-name :Alice");
        var atFirst = await first.SyncAsync();
        var (_, firstSubs) = Batch(await SendAsync(first, "METADATA * SUBS"), "metadata-subs");
        var (_, secondSubs) = Batch(await SendAsync(second, "METADATA * SUBS"), "metadata-subs");

        Assert.Equal([Numerics.RPL_KEYVALUE, "alice", "alice", "display-name", "*", "Alice"], Line(Assert.Single(own)));
        Assert.Equal([Numerics.RPL_KEYVALUE, "*", "alice", "display-name", "*", "Alice"], Line(Assert.Single(atFirst)));
        Assert.Equal([Numerics.RPL_METADATASUBS, "alice", "display-name"], Line(Assert.Single(firstSubs)));
        Assert.Empty(secondSubs);
    }

    [Fact]
    public async Task BeforeConnectValues_OfAnAttachingConnection_JoinTheUsers()
    {
        await using var server = await ServerAsync();
        var (first, _) = await LoginAsync(server);
        await SendAsync(first, "METADATA * SUB avatar");
        await SendAsync(first, "METADATA * SET display-name :Alice");

        var (second, burst) = await LoginAsync(server, "METADATA * SET avatar :https://example.com/a.png");
        var atFirst = await first.SyncAsync();

        var (_, own) = Batch(burst);
        Assert.Equal(
            new Dictionary<string, string> { ["display-name"] = "Alice", ["avatar"] = "https://example.com/a.png" },
            own.ToDictionary(m => m.Parameters[2], m => m.Parameters[4]));
        Assert.Equal([Numerics.RPL_KEYVALUE, "*", "alice", "avatar", "*", "https://example.com/a.png"], Line(Assert.Single(atFirst)));
    }

    [Fact]
    public async Task WhenOneConnectionLeaves_TheUsersValuesAndTheOthersSubscriptionsStay()
    {
        await using var server = await ServerAsync();
        var (first, _) = await LoginAsync(server);
        var (second, _) = await LoginAsync(server);
        await SendAsync(first, "METADATA * SUB display-name");
        await SendAsync(second, "METADATA * SET display-name :Alice");
        await first.SyncAsync();

        await second.SendAsync("QUIT");
        await second.ReadUntilClosedAsync();
        var bob = await ConnectAsync(server, "bob");
        var (_, values) = Batch(await SendAsync(bob, "METADATA alice GET display-name"));
        var (third, _) = await LoginAsync(server);
        await SendAsync(third, "METADATA * SET display-name :Alice C.");

        Assert.Equal("Alice", Assert.Single(values).Parameters[4]);
        Assert.Equal("Alice C.", Assert.Single(await first.SyncAsync()).Parameters[4]);
    }
}
