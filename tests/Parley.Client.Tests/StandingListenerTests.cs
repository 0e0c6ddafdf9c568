using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using Parley.Client.Dcc;
using Parley.Client.Tests.Infrastructure;

namespace Parley.Client.Tests;

/// <summary>
/// The standing direct-chat listener and its handshake (issue 4 item 4), against the real
/// Parley server on loopback: the token travels through the server, the connection straight.
/// </summary>
public sealed class StandingListenerTests
{
    private static readonly TimeSpan Wait = Events.Timeout;

    [Fact]
    public async Task APeerWithTheTokenGetsIn_WithoutAnOffer_AndTheListenerProvesItself()
    {
        await using var server = await ParleyLoopback.StartAsync();
        await using var alice = await ParleyServerTests.LoggedInAsync(server, "alice");
        await using var bob = await ParleyServerTests.LoggedInAsync(server, "bob");
        var aliceEvents = Channel.CreateUnbounded<DirectChatEvent>();
        var bobEvents = Channel.CreateUnbounded<DirectChatEvent>();
        await using var aliceDirect = new DirectChats(e => aliceEvents.Writer.WriteAsync(e)) { Server = alice };
        await using var bobDirect = new DirectChats(e => bobEvents.Writer.WriteAsync(e)) { Server = bob };
        var listening = bobDirect.Listen();
        Assert.Equal(IPAddress.Loopback, listening.Address); // the address of bob's server connection
        Assert.True(await bob.SetMetadataAsync(IrcClient.DirectChatKey, DirectChats.FormatEndPoint(listening)));
        var tokens = PassTokensAsync(bob, bobDirect);

        var published = (await alice.WhoisAsync("bob")).DirectChat;
        Assert.Equal($"127.0.0.1 {listening.Port}", published);
        Assert.True(DirectChats.TryParseEndPoint(published, out var endpoint));
        await aliceDirect.ConnectAsync("bob", endpoint);
        await tokens.WaitAsync(Wait);

        var opened = Assert.IsType<DirectOpenedEvent>(await ParleyServerTests.ReadAsync(bobEvents));
        Assert.Equal("alice", opened.Peer); // as the server named the token's sender
        Assert.IsType<DirectOpenedEvent>(await ParleyServerTests.ReadAsync(aliceEvents));
        Assert.True(await aliceDirect.SendAsync("bob", "no offer needed"));
        Assert.Equal("no offer needed", Assert.IsType<DirectMessageEvent>(await ParleyServerTests.ReadAsync(bobEvents)).Text);
        Assert.True(await bobDirect.SendAsync("alice", "and back"));
        Assert.Equal("and back", Assert.IsType<DirectMessageEvent>(await ParleyServerTests.ReadAsync(aliceEvents)).Text);
        Assert.Equal(0, bobDirect.PendingHandshakes);

        bobDirect.StopListening();
        await Assert.ThrowsAsync<ConnectFailedException>(() => AddressConnector.ConnectAsync([endpoint.Address], endpoint.Port));
    }

    [Fact]
    public async Task AForgedNick_AWrongToken_AndAReplayedToken_AreRefused()
    {
        await using var server = await ParleyLoopback.StartAsync();
        await using var alice = await ParleyServerTests.LoggedInAsync(server, "alice");
        await using var mallory = await ParleyServerTests.LoggedInAsync(server, "mallory");
        await using var bob = await ParleyServerTests.LoggedInAsync(server, "bob");
        var bobEvents = Channel.CreateUnbounded<DirectChatEvent>();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var bobDirect = new DirectChats(e => bobEvents.Writer.WriteAsync(e), time) { Server = bob };
        var endpoint = bobDirect.Listen();

        // mallory sends bob a token of her own through the server, then claims to be alice with it.
        var key = new string('a', 32);
        await mallory.SendCtcpAsync("bob", DirectChats.HandshakeCtcp, key + " " + new string('b', 32));
        var token = await bob.WaitForAsync<DirectChatTokenEvent>();
        Assert.Equal("mallory", token.From);
        bobDirect.OnToken(token.From, token.Arguments);
        Assert.Equal($"{DirectChats.HandshakeCtcp} ERROR that token came from mallory, not from alice",
            await HandshakeAsync(endpoint, $"{DirectChats.HandshakeCtcp} alice {key}"));
        var refused = Assert.IsType<DirectRefusedEvent>(await ParleyServerTests.ReadAsync(bobEvents));
        Assert.Equal("alice", refused.Peer);

        // alice really sent one; a guess at its key is refused, and alice's own stays good.
        var aliceKey = new string('c', 32);
        await alice.SendCtcpAsync("bob", DirectChats.HandshakeCtcp, aliceKey + " " + new string('d', 32));
        token = await bob.WaitForAsync<DirectChatTokenEvent>();
        bobDirect.OnToken(token.From, token.Arguments);
        Assert.Equal($"{DirectChats.HandshakeCtcp} ERROR not the token alice sent through the server",
            await HandshakeAsync(endpoint, $"{DirectChats.HandshakeCtcp} alice {new string('e', 32)}"));
        Assert.Equal($"{DirectChats.HandshakeCtcp} {new string('d', 32)}", await HandshakeAsync(endpoint, $"{DirectChats.HandshakeCtcp} alice {aliceKey}", keepOpen: true));

        // Used once: the same key again is no longer alice's token.
        await alice.SendCtcpAsync("bob", DirectChats.HandshakeCtcp, new string('f', 32) + " " + new string('0', 32));
        token = await bob.WaitForAsync<DirectChatTokenEvent>();
        bobDirect.OnToken(token.From, token.Arguments);
        Assert.Equal($"{DirectChats.HandshakeCtcp} ERROR not the token alice sent through the server",
            await HandshakeAsync(endpoint, $"{DirectChats.HandshakeCtcp} alice {aliceKey}"));
        Assert.Equal($"{DirectChats.HandshakeCtcp} ERROR not the token ALICE sent through the server",
            await HandshakeAsync(endpoint, $"{DirectChats.HandshakeCtcp} ALICE {aliceKey}"));

        // A token past its lifetime opens nothing: alice's new one, unused, 30 s later.
        time.Advance(bobDirect.GrantLifetime);
        var late = await AddressConnector.ConnectAsync([endpoint.Address], endpoint.Port);
        await using (var lateStream = new NetworkStream(late, ownsSocket: true))
        {
            await lateStream.WriteAsync(Encoding.UTF8.GetBytes($"{DirectChats.HandshakeCtcp} alice {new string('f', 32)}\n"));
            // A stranger after it: once refused, the late connection was taken (its timer runs).
            Assert.Equal($"{DirectChats.HandshakeCtcp} ERROR not a Parley handshake", await HandshakeAsync(endpoint, "knock knock"));
            time.Advance(bobDirect.HandshakeTimeout);
            using var reader = new StreamReader(lateStream);
            // "no token from alice … within 10 s" (or, had the line come after the timer, "no handshake"): never the proof.
            Assert.StartsWith($"{DirectChats.HandshakeCtcp} ERROR no ", await reader.ReadLineAsync().WaitAsync(Wait));
        }

        // Not the protocol at all: told so, and closed.
        Assert.Equal($"{DirectChats.HandshakeCtcp} ERROR not a Parley handshake", await HandshakeAsync(endpoint, "hello, anyone there?"));
        Assert.Equal(0, bobDirect.PendingHandshakes);
        Assert.Equal(["alice"], bobDirect.OpenPeers);
    }

    [Fact]
    public async Task ATokenSentToAChannel_IsNoToken()
    {
        await using var server = await ParleyLoopback.StartAsync();
        await using var alice = await ParleyServerTests.LoggedInAsync(server, "alice");
        await using var bob = await ParleyServerTests.LoggedInAsync(server, "bob");
        await alice.SendAsync("JOIN", "#room");
        await alice.WaitForAsync<JoinEvent>(j => j.Nick == "alice");
        await bob.SendAsync("JOIN", "#room");
        await bob.WaitForAsync<JoinEvent>(j => j.Nick == "bob");

        await alice.SendCtcpAsync("#room", DirectChats.HandshakeCtcp, new string('a', 32) + " " + new string('b', 32));
        await alice.SendMessageAsync("bob", "after the channel token");

        // Neither a token event nor a CTCP event for the channel one: the next thing bob sees is the message.
        var next = await bob.WaitForAsync<ClientEvent>(e => e is MessageEvent or DirectChatTokenEvent or CtcpEvent);
        Assert.Equal("after the channel token", Assert.IsType<MessageEvent>(next).Text);
    }

    [Fact]
    public async Task PendingConnections_AreBounded_AndTimeOut()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var direct = new DirectChats(_ => ValueTask.CompletedTask, time);
        var endpoint = direct.Listen(IPAddress.Loopback);
        var silent = new List<Socket>();
        try
        {
            for (var i = 0; i < DirectChats.MaxPendingConnections; i++)
            {
                silent.Add(await AddressConnector.ConnectAsync([endpoint.Address], endpoint.Port));
            }
            // One more than the limit: closed at once, while the others wait.
            using var extra = await AddressConnector.ConnectAsync([endpoint.Address], endpoint.Port);
            Assert.Empty(await ReadToEndAsync(extra));
            Assert.Equal(DirectChats.MaxPendingConnections, direct.PendingHandshakes);

            // Nothing said within the handshake time: each is told so and closed.
            time.Advance(direct.HandshakeTimeout);
            foreach (var socket in silent)
            {
                Assert.Equal($"{DirectChats.HandshakeCtcp} ERROR no handshake within 10 s\n", Encoding.UTF8.GetString(await ReadToEndAsync(socket)));
            }
        }
        finally
        {
            silent.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task AnEndpointThatCannotProveItIsThePeer_IsNotTrusted()
    {
        await using var server = await ParleyLoopback.StartAsync();
        await using var alice = await ParleyServerTests.LoggedInAsync(server, "alice");
        await using var bob = await ParleyServerTests.LoggedInAsync(server, "bob");
        await using var aliceDirect = new DirectChats(_ => ValueTask.CompletedTask) { Server = alice };
        // Whoever holds bob's old port now: reads the first line, answers with a made-up proof.
        using var impostor = new TcpListener(IPAddress.Loopback, 0);
        impostor.Start();
        var endpoint = (IPEndPoint)impostor.LocalEndpoint;
        var answering = Task.Run(async () =>
        {
            using var peer = await impostor.AcceptTcpClientAsync();
            using var reader = new StreamReader(peer.GetStream());
            var hello = await reader.ReadLineAsync();
            var reply = Encoding.ASCII.GetBytes($"{DirectChats.HandshakeCtcp} {new string('9', 32)}\n");
            await peer.GetStream().WriteAsync(reply);
            return hello;
        });

        var error = await Assert.ThrowsAsync<IOException>(() => aliceDirect.ConnectAsync("bob", endpoint));

        Assert.Contains("did not prove it is bob's", error.Message, StringComparison.Ordinal);
        var hello = await answering.WaitAsync(Wait);
        Assert.Matches($"^{DirectChats.HandshakeCtcp} alice [0-9a-f]{{32}}$", hello);
        Assert.False(aliceDirect.IsOpen("bob"));
    }

    [RequiresIPv6Fact]
    public async Task OverIPv6_TheListenerIsOnTheServerConnectionsAddress()
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

        var listening = bobDirect.Listen();
        Assert.Equal(IPAddress.IPv6Loopback, listening.Address);
        Assert.True(await bob.SetMetadataAsync(IrcClient.DirectChatKey, DirectChats.FormatEndPoint(listening)));
        var tokens = PassTokensAsync(bob, bobDirect);
        Assert.True(DirectChats.TryParseEndPoint(await alice.GetMetadataAsync("bob", IrcClient.DirectChatKey), out var endpoint));
        Assert.Equal($"::1 {listening.Port}", DirectChats.FormatEndPoint(endpoint));
        await aliceDirect.ConnectAsync("bob", endpoint);
        await tokens.WaitAsync(Wait);

        Assert.True(await aliceDirect.SendAsync("bob", "over six"));
        Assert.IsType<DirectOpenedEvent>(await ParleyServerTests.ReadAsync(bobEvents));
        Assert.Equal("over six", Assert.IsType<DirectMessageEvent>(await ParleyServerTests.ReadAsync(bobEvents)).Text);
    }

    [Theory]
    [InlineData("127.0.0.1 5000", true)]
    [InlineData("::1 6000", true)]
    [InlineData("127.0.0.1", false)]
    [InlineData("127.0.0.1 0", false)]
    [InlineData("127.0.0.1 70000", false)]
    [InlineData("example.org 5000", false)]
    [InlineData(null, false)]
    public void PublishedEndpoints_AreReadStrictly(string? value, bool valid)
    {
        Assert.Equal(valid, DirectChats.TryParseEndPoint(value, out var endpoint));
        if (valid)
        {
            Assert.Equal(value, DirectChats.FormatEndPoint(endpoint!));
        }
    }

    /// <summary>Hands bob's tokens from the server to his DirectChats, as <c>parley chat</c> does.</summary>
    private static Task PassTokensAsync(IrcClient client, DirectChats direct) => Task.Run(async () =>
    {
        var token = await client.WaitForAsync<DirectChatTokenEvent>();
        direct.OnToken(token.From, token.Arguments);
    });

    /// <summary>Connects, sends one line, returns the answer line (or null when closed without one).</summary>
    private static async Task<string?> HandshakeAsync(IPEndPoint endpoint, string line, bool keepOpen = false)
    {
        var socket = await AddressConnector.ConnectAsync([endpoint.Address], endpoint.Port);
        var stream = new NetworkStream(socket, ownsSocket: true);
        await stream.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"));
        using var reader = new StreamReader(stream, leaveOpen: keepOpen);
        var answer = await reader.ReadLineAsync().WaitAsync(Wait);
        if (!keepOpen)
        {
            Assert.Null(await reader.ReadLineAsync().WaitAsync(Wait)); // closed after a refusal
        }
        return answer;
    }

    /// <summary>Everything the other end sends until it closes.</summary>
    private static async Task<byte[]> ReadToEndAsync(Socket socket)
    {
        using var cts = new CancellationTokenSource(Wait);
        var buffer = new byte[256];
        var all = new List<byte>();
        while (true)
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            if (n == 0)
            {
                return [.. all];
            }
            all.AddRange(buffer.AsSpan(0, n));
        }
    }
}
