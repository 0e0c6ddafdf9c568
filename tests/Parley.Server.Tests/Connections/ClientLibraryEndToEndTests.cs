using Parley.Client;
using Parley.Server.Tests.Infrastructure;

namespace Parley.Server.Tests.Connections;

/// <summary>
/// End to end through our own client library (src/Parley.Client), as any program using it
/// would: SASL login over the real listener, a private message, WHOIS, and the graceful
/// shutdown's ERROR reaching the client as its disconnect reason.
/// </summary>
public sealed class ClientLibraryEndToEndTests
{
    private static IrcClientOptions Options(LoopbackServer server, string nick, string? password = null) => new()
    {
        Host = server.EndPoint.Address.ToString(),
        Port = server.EndPoint.Port,
        Nick = nick,
        Account = password is null ? null : nick,
        Password = password,
        Reconnect = new ReconnectPolicy { Enabled = false },
    };

    private static async Task<T> NextAsync<T>(IrcClient client, Func<T, bool>? match = null) where T : ClientEvent
    {
        using var cts = new CancellationTokenSource(TestClient.DefaultTimeout);
        await foreach (var e in client.Events.ReadAllAsync(cts.Token))
        {
            if (e is T t && (match is null || match(t)))
            {
                return t;
            }
        }
        throw new InvalidOperationException("the client's events ended first");
    }

    [Fact]
    public async Task SaslLogin_PrivateMessage_Whois_AndShutdownReason()
    {
        var server = await LoopbackServer.StartAsync();
        var context = (ServerContext)server.App.Services.GetService(typeof(ServerContext))!;
        Assert.Equal(Storage.AccountResult.Ok, await context.Accounts.CreateAsync("alice", "sesame"));
        await using var alice = new IrcClient(Options(server, "alice", "sesame"));
        await using var bob = new IrcClient(Options(server, "bob"));

        var login = await alice.StartAsync();
        Assert.True(login.Success, login.Error);
        Assert.Equal("alice", login.Account);
        Assert.True((await bob.StartAsync()).Success);

        Assert.True(await bob.SendMessageAsync("alice", "hello from the library"));
        var message = await NextAsync<MessageEvent>(alice);
        Assert.Equal(("bob", "hello from the library"), (message.From, message.Text));

        var whois = await bob.WhoisAsync("alice");
        Assert.NotNull(whois);
        Assert.Equal("alice", whois.Account);

        await server.DisposeAsync();
        var gone = await NextAsync<DisconnectedEvent>(alice);
        Assert.Contains("Server shutting down", gone.Reason, StringComparison.Ordinal);
        Assert.False(gone.WillReconnect);
    }
}
