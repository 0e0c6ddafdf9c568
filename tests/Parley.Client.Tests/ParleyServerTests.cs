using System.Net;
using System.Threading.Channels;
using Parley.Client.Dcc;
using Parley.Client.Tests.Infrastructure;

namespace Parley.Client.Tests;

/// <summary>The client against the real Parley server on loopback.</summary>
public sealed class ParleyServerTests
{
    [Fact]
    public async Task Login_WithScram_LogsInToTheAccount()
    {
        await using var server = await ParleyLoopback.StartAsync();
        await server.CreateAccountAsync("alice", "sesame");
        await using var client = new IrcClient(server.ClientOptions("alice", "sesame"));

        var result = await client.StartAsync();

        Assert.True(result.Success, result.Error);
        Assert.Equal("alice", result.Account);
        Assert.Contains("sasl", client.EnabledCaps);
        var connected = await client.WaitForAsync<ConnectedEvent>();
        Assert.Equal("alice", connected.Account);
    }

    [Fact]
    public async Task Login_WithAWrongPassword_FailsClearly()
    {
        await using var server = await ParleyLoopback.StartAsync();
        await server.CreateAccountAsync("alice", "sesame");
        await using var client = new IrcClient(server.ClientOptions("alice", "millet"));

        var result = await client.StartAsync();

        Assert.False(result.Success);
        Assert.Contains("wrong nick or password", result.Error, StringComparison.Ordinal);
        Assert.False(client.IsConnected);
    }

    [Fact]
    public async Task Login_WithAnUnknownAccount_FailsClearly()
    {
        await using var server = await ParleyLoopback.StartAsync();
        await using var client = new IrcClient(server.ClientOptions("nobody", "x"));
        var result = await client.StartAsync();
        Assert.False(result.Success);
        Assert.Contains("wrong nick or password", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NickInUse_FailsTheLogin()
    {
        await using var server = await ParleyLoopback.StartAsync();
        await using var first = new IrcClient(server.ClientOptions("carol"));
        Assert.True((await first.StartAsync()).Success);
        await using var second = new IrcClient(server.ClientOptions("carol"));
        var result = await second.StartAsync();
        Assert.False(result.Success);
        Assert.Contains("carol cannot be used", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PrivateMessage_ArrivesAsAMessageEvent()
    {
        await using var server = await ParleyLoopback.StartAsync();
        await using var alice = await LoggedInAsync(server, "alice");
        await using var bob = await LoggedInAsync(server, "bob");

        await alice.SendMessageAsync("bob", "hello bob");

        var message = await bob.WaitForAsync<MessageEvent>();
        Assert.Equal("alice", message.From);
        Assert.Equal("hello bob", message.Text);
        Assert.True(message.IsPrivate);
        Assert.False(message.IsHistory);
    }

    [Fact]
    public async Task Whois_ShowsOnlineAndAccount_AndFlagsUnknownNicks()
    {
        await using var server = await ParleyLoopback.StartAsync();
        await server.CreateAccountAsync("bob", "pw");
        await using var alice = await LoggedInAsync(server, "alice");
        await using var bob = await LoggedInAsync(server, "bob", "pw");

        var found = await alice.WhoisAsync("BOB");
        Assert.True(found.Online);
        Assert.Equal("bob", found.Account);
        Assert.NotNull(found.Idle);

        var missing = await alice.WhoisAsync("nobody");
        Assert.False(missing.Online);
    }

    [Fact]
    public async Task Whois_ShowsTheDirectChatEndpointAPeerPublished()
    {
        await using var server = await ParleyLoopback.StartAsync();
        await using var alice = await LoggedInAsync(server, "alice");
        await using var bob = await LoggedInAsync(server, "bob");
        Assert.Contains(IrcClient.MetadataCap, bob.EnabledCaps);

        Assert.True(await bob.SetMetadataAsync(IrcClient.DirectChatKey, "127.0.0.7 5000"));
        var published = await alice.WhoisAsync("bob");
        var got = await alice.GetMetadataAsync("BOB", IrcClient.DirectChatKey);
        Assert.True(await bob.SetMetadataAsync(IrcClient.DirectChatKey, null));
        var withdrawn = await alice.WhoisAsync("bob");

        Assert.Equal("127.0.0.7 5000", published.DirectChat);
        Assert.Equal("127.0.0.7 5000", got);
        Assert.Null(withdrawn.DirectChat);
        Assert.Null(await alice.GetMetadataAsync("bob", IrcClient.DirectChatKey));
        Assert.False(await bob.SetMetadataAsync("Bad-Key", "x"));
    }

    [Fact]
    public async Task JoinNamesAndChannelMessages()
    {
        await using var server = await ParleyLoopback.StartAsync();
        await using var alice = await LoggedInAsync(server, "alice");
        await using var bob = await LoggedInAsync(server, "bob");
        await alice.SendAsync("JOIN", "#room");
        await alice.WaitForAsync<JoinEvent>(j => j.Nick == "alice");
        await bob.SendAsync("JOIN", "#room");
        await alice.WaitForAsync<JoinEvent>(j => j.Nick == "bob");

        var names = await alice.NamesAsync("#room");
        Assert.Contains("@alice", names);
        Assert.Contains("bob", names);
        Assert.Contains("#room", alice.Channels);

        await bob.SendMessageAsync("#room", "hi all");
        var message = await alice.WaitForAsync<MessageEvent>();
        Assert.Equal("#room", message.Target);
        Assert.False(message.IsPrivate);
    }

    [Fact]
    public async Task Who_ListsOnlineUsers()
    {
        await using var server = await ParleyLoopback.StartAsync();
        await using var alice = await LoggedInAsync(server, "alice");
        await using var bob = await LoggedInAsync(server, "bob");
        var who = await alice.WhoAsync("*");
        Assert.Contains(who, w => w.Nick == "bob");
    }

    [Fact]
    public async Task DirectChat_OfferThroughTheServer_AcceptAndTalk_BothWays()
    {
        await using var server = await ParleyLoopback.StartAsync();
        await using var alice = await LoggedInAsync(server, "alice");
        await using var bob = await LoggedInAsync(server, "bob");
        var aliceEvents = Channel.CreateUnbounded<DirectChatEvent>();
        var bobEvents = Channel.CreateUnbounded<DirectChatEvent>();
        await using var aliceDirect = new DirectChats(e => aliceEvents.Writer.WriteAsync(e)) { Server = alice };
        await using var bobDirect = new DirectChats(e => bobEvents.Writer.WriteAsync(e)) { Server = bob };

        var offering = aliceDirect.OfferAsync("bob");
        var offer = await bob.WaitForAsync<DccOfferEvent>();
        Assert.Equal("alice", offer.From);
        Assert.Equal(IPAddress.Loopback, offer.Offer.Address);
        Assert.Equal(OfferOutcome.Pending, bobDirect.OnOffer(offer.From, offer.Offer));
        Assert.False(bobDirect.IsOpen("alice")); // never accepted on its own

        await bobDirect.AcceptAsync("alice");
        await offering;
        Assert.IsType<DirectOpenedEvent>(await ReadAsync(aliceEvents));
        Assert.IsType<DirectOpenedEvent>(await ReadAsync(bobEvents));

        Assert.True(await aliceDirect.SendAsync("bob", "straight to you"));
        Assert.Equal("straight to you", Assert.IsType<DirectMessageEvent>(await ReadAsync(bobEvents)).Text);
        Assert.True(await bobDirect.SendAsync("ALICE", "and back"));
        Assert.Equal("and back", Assert.IsType<DirectMessageEvent>(await ReadAsync(aliceEvents)).Text);

        await bobDirect.CloseAsync("alice");
        Assert.IsType<DirectClosedEvent>(await ReadAsync(aliceEvents));
        Assert.False(aliceDirect.IsOpen("bob"));
    }

    [Fact]
    public async Task DirectChat_PassiveOffer_ThePeerListensAndAnswersWithTheToken()
    {
        await using var server = await ParleyLoopback.StartAsync();
        await using var alice = await LoggedInAsync(server, "alice");
        await using var bob = await LoggedInAsync(server, "bob");
        var aliceEvents = Channel.CreateUnbounded<DirectChatEvent>();
        var bobEvents = Channel.CreateUnbounded<DirectChatEvent>();
        await using var aliceDirect = new DirectChats(e => aliceEvents.Writer.WriteAsync(e)) { Server = alice };
        await using var bobDirect = new DirectChats(e => bobEvents.Writer.WriteAsync(e)) { Server = bob };
        // alice hands her offers' answers to her DirectChats, as the CLI does.
        var pump = Task.Run(async () =>
        {
            var answer = await alice.WaitForAsync<DccOfferEvent>();
            aliceDirect.OnOffer(answer.From, answer.Offer);
        });

        var offering = aliceDirect.OfferAsync("bob", passive: true);
        var offer = await bob.WaitForAsync<DccOfferEvent>();
        Assert.True(offer.Offer.IsPassive);
        bobDirect.OnOffer(offer.From, offer.Offer);
        await bobDirect.AcceptAsync("alice");
        await offering;
        await pump;

        Assert.True(await aliceDirect.SendAsync("bob", "reversed"));
        Assert.IsType<DirectOpenedEvent>(await ReadAsync(bobEvents));
        Assert.Equal("reversed", Assert.IsType<DirectMessageEvent>(await ReadAsync(bobEvents)).Text);
    }

    [Fact]
    public async Task DirectChat_OutlivesTheServer()
    {
        var server = await ParleyLoopback.StartAsync();
        var alice = await LoggedInAsync(server, "alice");
        var bob = await LoggedInAsync(server, "bob");
        var bobEvents = Channel.CreateUnbounded<DirectChatEvent>();
        await using var aliceDirect = new DirectChats(_ => ValueTask.CompletedTask) { Server = alice };
        await using var bobDirect = new DirectChats(e => bobEvents.Writer.WriteAsync(e)) { Server = bob };
        var offering = aliceDirect.OfferAsync("bob");
        var offer = await bob.WaitForAsync<DccOfferEvent>();
        bobDirect.OnOffer(offer.From, offer.Offer);
        await bobDirect.AcceptAsync("alice");
        await offering;

        await alice.DisposeAsync();
        await bob.DisposeAsync();
        await server.DisposeAsync();

        Assert.True(await aliceDirect.SendAsync("bob", "still here"));
        Assert.IsType<DirectOpenedEvent>(await ReadAsync(bobEvents));
        Assert.Equal("still here", Assert.IsType<DirectMessageEvent>(await ReadAsync(bobEvents)).Text);
    }

    [RequiresIPv6Fact]
    public async Task Connect_OverIPv6_AndOfferDirectChatOnIPv6()
    {
        await using var server = await ParleyLoopback.StartAsync("[::1]:0");
        var options = server.ClientOptions("alice") with { Host = "::1" };
        await using var alice = new IrcClient(options);
        Assert.True((await alice.StartAsync()).Success);
        await using var bob = new IrcClient(options with { Nick = "bob" });
        Assert.True((await bob.StartAsync()).Success);
        var bobEvents = Channel.CreateUnbounded<DirectChatEvent>();
        await using var aliceDirect = new DirectChats(_ => ValueTask.CompletedTask) { Server = alice };
        await using var bobDirect = new DirectChats(e => bobEvents.Writer.WriteAsync(e)) { Server = bob };

        var offering = aliceDirect.OfferAsync("bob");
        var offer = await bob.WaitForAsync<DccOfferEvent>();
        Assert.Equal(IPAddress.IPv6Loopback, offer.Offer.Address);
        bobDirect.OnOffer(offer.From, offer.Offer);
        await bobDirect.AcceptAsync("alice");
        await offering;
        Assert.True(await aliceDirect.SendAsync("bob", "over six"));
        Assert.IsType<DirectOpenedEvent>(await ReadAsync(bobEvents));
        Assert.Equal("over six", Assert.IsType<DirectMessageEvent>(await ReadAsync(bobEvents)).Text);
    }

    internal static async Task<IrcClient> LoggedInAsync(ParleyLoopback server, string nick, string? password = null)
    {
        var client = new IrcClient(server.ClientOptions(nick, password));
        var result = await client.StartAsync();
        Assert.True(result.Success, result.Error);
        return client;
    }

    internal static async Task<T> ReadAsync<T>(Channel<T> channel)
    {
        using var cts = new CancellationTokenSource(Events.Timeout);
        return await channel.Reader.ReadAsync(cts.Token);
    }
}
