using System.Net.WebSockets;
using Microsoft.Extensions.Time.Testing;
using Parley.Server.Hosting;
using Parley.Server.Tests.Infrastructure;

namespace Parley.Server.Tests.Web;

/// <summary>IRC over WebSocket end to end: the real server on loopback, ClientWebSocket as the client.</summary>
public sealed class WebSocketTransportTests
{
    private static ServerOptions WithWebSocket(ServerOptions? o = null)
    {
        o ??= new ServerOptions();
        return o with { Http = o.Http with { WebSocketListen = ["127.0.0.1:0"], Listen = ["127.0.0.1:0"] } };
    }

    [Theory]
    [InlineData("binary.ircv3.net", "binary.ircv3.net", WebSocketMessageType.Binary)]
    [InlineData("text.ircv3.net", "text.ircv3.net", WebSocketMessageType.Text)]
    [InlineData("binary.ircv3.net,text.ircv3.net", "binary.ircv3.net", WebSocketMessageType.Binary)]
    [InlineData("text.ircv3.net,binary.ircv3.net", "text.ircv3.net", WebSocketMessageType.Text)]
    [InlineData("", null, WebSocketMessageType.Text)]
    [InlineData("chat.example", null, WebSocketMessageType.Text)]
    public async Task Subprotocol_ClientsFirstChoiceIsTaken_AndMessagesHaveItsType(string offered, string? chosen, WebSocketMessageType type)
    {
        await using var server = await LoopbackServer.StartAsync(WithWebSocket());
        await using var web = await WebSocketLineClient.ConnectAsync(server.WebSocketEndPoint!, offered.Split(',', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(chosen, web.Socket.SubProtocol);
        await web.RegisterAsync("web");
        Assert.Equal(type, web.LastType);
    }

    [Fact]
    public async Task WebAndTcpClients_TalkBothWays_OnTheWebSocketAndTheHttpListener()
    {
        await using var server = await LoopbackServer.StartAsync(WithWebSocket());
        await using var tcp = await TcpLineClient.ConnectAsync(server.EndPoint);
        await tcp.RegisterAsync("plain");
        // The HTTP listener takes upgrades on any path.
        await using var web = await WebSocketLineClient.ConnectAsync(server.HttpEndPoint!, ["text.ircv3.net"], path: "/some/path");
        await web.RegisterAsync("web");
        await using var web2 = await WebSocketLineClient.ConnectAsync(server.WebSocketEndPoint!, ["binary.ircv3.net"]);
        await web2.RegisterAsync("web2");

        await web.SendAsync("PRIVMSG plain :hello café");
        var got = await tcp.ExpectAsync("PRIVMSG");
        Assert.StartsWith("web!", got.Source);
        Assert.Equal("hello café", got.Parameters[1]);

        await tcp.SendAsync("PRIVMSG web2 :hi there");
        got = await web2.ExpectAsync("PRIVMSG");
        Assert.StartsWith("plain!", got.Source);
        Assert.Equal("hi there", got.Parameters[1]);
        Assert.Equal(WebSocketMessageType.Binary, web2.LastType);
    }

    [Fact]
    public async Task TextMessageNotUtf8_IsClosedWith1007_OthersUnaffected()
    {
        await using var server = await LoopbackServer.StartAsync(WithWebSocket());
        await using var tcp = await TcpLineClient.ConnectAsync(server.EndPoint);
        await tcp.RegisterAsync("plain");
        await using var web = await WebSocketLineClient.ConnectAsync(server.WebSocketEndPoint!, ["text.ircv3.net"]);
        await web.RegisterAsync("web");
        await JoinAsync("#room", tcp, web);

        await web.SendRawAsync([.. "PRIVMSG #room :caf"u8, 0xE9], WebSocketMessageType.Text);
        await web.ReadUntilClosedAsync();
        Assert.Equal(WebSocketCloseStatus.InvalidPayloadData, web.Socket.CloseStatus);

        var quit = await tcp.ExpectAsync("QUIT");
        Assert.StartsWith("web!", quit.Source);
        Assert.Contains("WebSocket", quit.Parameters[0]);
        Assert.Empty(await tcp.SyncAsync());
    }

    [Fact]
    public async Task BinaryMessageNotUtf8_GetsFailInvalidUtf8_AsOnTcp()
    {
        await using var server = await LoopbackServer.StartAsync(WithWebSocket());
        await using var web = await WebSocketLineClient.ConnectAsync(server.WebSocketEndPoint!, ["binary.ircv3.net"]);
        await web.RegisterAsync("web");
        await web.SendRawAsync([.. "PRIVMSG web :caf"u8, 0xE9], WebSocketMessageType.Binary);
        var fail = await web.ExpectAsync("FAIL");
        Assert.Equal(["PRIVMSG", "INVALID_UTF8"], fail.Parameters.Take(2));
        Assert.Empty(await web.SyncAsync());
        Assert.Equal(WebSocketState.Open, web.Socket.State);
    }

    [Fact]
    public async Task MessageOverTheLineLimit_IsClosedWith1009AndAReason_OthersUnaffected()
    {
        await using var server = await LoopbackServer.StartAsync(WithWebSocket());
        await using var tcp = await TcpLineClient.ConnectAsync(server.EndPoint);
        await tcp.RegisterAsync("plain");
        await using var web = await WebSocketLineClient.ConnectAsync(server.WebSocketEndPoint!, ["text.ircv3.net"]);
        await web.RegisterAsync("web");
        await JoinAsync("#room", tcp, web);

        await web.SendAsync("PRIVMSG #room :" + new string('x', Protocol.IrcLimits.MaxFramedLineBytes));
        var last = await web.ReadUntilClosedAsync();
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, web.Socket.CloseStatus);
        Assert.Contains($"at most {Protocol.IrcLimits.MaxFramedLineBytes} bytes", web.Socket.CloseStatusDescription);
        Assert.Contains(last, m => m.Command == "ERROR" && m.Parameters[0].Contains("Message too long", StringComparison.Ordinal));

        var quit = await tcp.ExpectAsync("QUIT");
        Assert.Contains("Message too long", quit.Parameters[0]);
        Assert.Empty(await tcp.SyncAsync());
    }

    [Fact]
    public async Task LongLineWithinTheCap_Gets417_AsOnTcp()
    {
        await using var server = await LoopbackServer.StartAsync(WithWebSocket());
        await using var web = await WebSocketLineClient.ConnectAsync(server.WebSocketEndPoint!, ["text.ircv3.net"]);
        await web.RegisterAsync("web");
        await web.SendAsync("PRIVMSG web :" + new string('x', 600));
        await web.ExpectAsync(Protocol.Numerics.ERR_INPUTTOOLONG);
        Assert.Equal(WebSocketState.Open, web.Socket.State);
    }

    [Fact]
    public async Task MessageWithALineFeedInside_IsClosedWith1007()
    {
        await using var server = await LoopbackServer.StartAsync(WithWebSocket());
        await using var web = await WebSocketLineClient.ConnectAsync(server.WebSocketEndPoint!, ["text.ircv3.net"]);
        await web.RegisterAsync("web");
        await web.SendAsync("PRIVMSG web :one\nPRIVMSG web :two");
        await web.ReadUntilClosedAsync();
        Assert.Equal(WebSocketCloseStatus.InvalidPayloadData, web.Socket.CloseStatus);
        Assert.Contains("One IRC line per message", web.Socket.CloseStatusDescription);
    }

    [Fact]
    public async Task TrailingCrLf_IsForgiven()
    {
        await using var server = await LoopbackServer.StartAsync(WithWebSocket());
        await using var web = await WebSocketLineClient.ConnectAsync(server.WebSocketEndPoint!, ["text.ircv3.net"]);
        await web.SendAsync("NICK web\r\n");
        await web.SendAsync("USER web 0 * :Web\n");
        await web.ExpectAsync(Protocol.Numerics.RPL_WELCOME);
    }

    [Fact]
    public async Task Quit_ClosesNormally_WithTheErrorAsTheReason()
    {
        await using var server = await LoopbackServer.StartAsync(WithWebSocket());
        await using var web = await WebSocketLineClient.ConnectAsync(server.WebSocketEndPoint!, ["text.ircv3.net"]);
        await web.RegisterAsync("web");
        await web.SendAsync("QUIT :see you");
        var last = await web.ReadUntilClosedAsync();
        Assert.Equal("ERROR", last[^1].Command);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, web.Socket.CloseStatus);
        Assert.Contains("see you", web.Socket.CloseStatusDescription);
    }

    [Fact]
    public async Task Flood_IsSlowedByTheSameTokenBucket_WhileOthersAreServed()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await LoopbackServer.StartAsync(WithWebSocket(), time: time);
        await using var tcp = await TcpLineClient.ConnectAsync(server.EndPoint);
        await tcp.RegisterAsync("plain");
        await using var web = await WebSocketLineClient.ConnectAsync(server.WebSocketEndPoint!, ["text.ircv3.net"]);
        await web.RegisterAsync("web");

        var burst = new FloodOptions().Burst;
        for (var i = 0; i < burst + 5; i++)
        {
            await web.SendAsync($"PRIVMSG plain :{i}");
        }
        // The burst arrives at once; the rest waits for the clock, and the TCP client is served meanwhile.
        for (var i = 0; i < burst; i++)
        {
            Assert.Equal($"{i}", (await tcp.ExpectAsync("PRIVMSG")).Parameters[1]);
        }
        Assert.DoesNotContain(await tcp.SyncAsync(), m => m.Command == "PRIVMSG");
        time.Advance(TimeSpan.FromSeconds(10));
        for (var i = burst; i < burst + 5; i++)
        {
            Assert.Equal($"{i}", (await tcp.ExpectAsync("PRIVMSG")).Parameters[1]);
        }
    }

    [Fact]
    public async Task RegistrationTimeout_AppliesToWebSocketClients()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await LoopbackServer.StartAsync(WithWebSocket(), time: time);
        await using var web = await WebSocketLineClient.ConnectAsync(server.WebSocketEndPoint!, ["text.ircv3.net"]);
        await web.SendAsync("NICK slowpoke");
        // PING is answered before registration: once it is, the session's clock has started.
        await web.SyncAsync();
        time.Advance(TimeSpan.FromSeconds(new LimitOptions().RegistrationTimeoutSeconds) + ServerContext.SweepInterval);
        var last = await web.ReadUntilClosedAsync();
        Assert.Contains(last, m => m.Command == "ERROR" && m.Parameters[0].Contains("Registration timed out", StringComparison.Ordinal));
        Assert.Contains("Registration timed out", web.Socket.CloseStatusDescription);
    }

    [Fact]
    public async Task ConnectionLimitPerAddress_AppliesToWebSocketClients()
    {
        var options = WithWebSocket(new ServerOptions { Connections = new ConnectionLimitOptions { Exempt = [], MaxPerAddress = 1 } });
        await using var server = await LoopbackServer.StartAsync(options);
        await using var first = await WebSocketLineClient.ConnectAsync(server.WebSocketEndPoint!, ["text.ircv3.net"]);
        await first.RegisterAsync("first");
        await using var second = await WebSocketLineClient.ConnectAsync(server.WebSocketEndPoint!, ["text.ircv3.net"]);
        var last = await second.ReadUntilClosedAsync();
        Assert.Contains(last, m => m.Command == "ERROR" && m.Parameters[0].Contains("Too many connections from your address", StringComparison.Ordinal));
        Assert.Empty(await first.SyncAsync());
    }

    [Fact]
    public async Task HttpConnections_CountAgainstTheSameLimits_AsIrcConnections()
    {
        var options = WithWebSocket(new ServerOptions { Connections = new ConnectionLimitOptions { Exempt = [], MaxPerAddress = 2, ThrottleConnections = 0 } });
        await using var server = await LoopbackServer.StartAsync(options);
        await using var tcp = await TcpLineClient.ConnectAsync(server.EndPoint);
        await tcp.RegisterAsync("plain");
        var url = new Uri($"http://{server.HttpEndPoint}/healthz");

        // Two clients, two HTTP connections (each kept alive in its own pool).
        using var first = new HttpClient();
        using (var ok = await first.GetAsync(url))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, ok.StatusCode);
        }
        using var second = new HttpClient();
        using var refused = await second.GetAsync(url);
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Contains("Too many connections from your address", await refused.Content.ReadAsStringAsync());
        Assert.Equal(2, server.Context.Limiter.Total);
    }

    [Theory]
    [InlineData(true, "127.0.0.77")]
    [InlineData(false, "127.0.0.1")]
    public async Task ForwardedFor_IsBelievedOnlyFromATrustedProxy(bool trusted, string expectedHost)
    {
        var options = WithWebSocket(new ServerOptions { Http = new HttpOptions { TrustedProxies = trusted ? ["127.0.0.1"] : [] } });
        await using var server = await LoopbackServer.StartAsync(options);
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("text.ircv3.net");
        socket.Options.SetRequestHeader("X-Forwarded-For", "127.0.0.77");
        await socket.ConnectAsync(new Uri($"ws://{server.WebSocketEndPoint}/"), CancellationToken.None);
        await using var web = WebSocketLineClient.Wrap(socket);
        await web.RegisterAsync("proxied");
        await web.SendAsync("QUIT");
        var last = await web.ReadUntilClosedAsync();
        Assert.Contains($"Closing Link: {expectedHost} ", last[^1].Parameters[0]);
    }

    [Theory]
    [InlineData(true, "https", true)]
    [InlineData(true, "http", false)]
    [InlineData(false, "https", false)]
    public async Task ForwardedProto_Https_FromATrustedProxy_MakesTheClientSecure(bool trusted, string proto, bool secure)
    {
        var options = WithWebSocket(new ServerOptions { Http = new HttpOptions { TrustedProxies = trusted ? ["127.0.0.1"] : [] } });
        await using var server = await LoopbackServer.StartAsync(options);
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("text.ircv3.net");
        socket.Options.SetRequestHeader("X-Forwarded-Proto", proto);
        await socket.ConnectAsync(new Uri($"ws://{server.WebSocketEndPoint}/"), CancellationToken.None);
        await using var web = WebSocketLineClient.Wrap(socket);
        await web.RegisterAsync("proxied");

        await web.SendAsync("WHOIS proxied");
        var whois = await web.SyncAsync();
        Assert.Equal(secure, whois.Any(m => m.Command == "671"));
    }

    [Fact]
    public void ForwardedProto_TheNearestHopCounts_ForwardedBeforeXForwardedProto()
    {
        System.Net.IPNetwork[] trusted = [System.Net.IPNetwork.Parse("127.0.0.1/32")];
        var peer = System.Net.IPAddress.Loopback;
        Assert.True(Parley.Server.Web.ForwardedAddress.IsSecure(peer, default, new(["http, https"]), trusted));
        Assert.False(Parley.Server.Web.ForwardedAddress.IsSecure(peer, default, new(["https, http"]), trusted));
        Assert.True(Parley.Server.Web.ForwardedAddress.IsSecure(peer, new(["for=1.2.3.4;proto=http, for=5.6.7.8;proto=\"https\""]), new(["http"]), trusted));
        Assert.False(Parley.Server.Web.ForwardedAddress.IsSecure(System.Net.IPAddress.Parse("10.0.0.1"), default, new(["https"]), trusted));
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("http://evil.example", false)]
    [InlineData("SAME", true)]
    public async Task Origin_SameOriginByDefault_OthersGet403(string? origin, bool allowed)
    {
        await using var server = await LoopbackServer.StartAsync(WithWebSocket());
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (origin is not null)
        {
            socket.Options.SetRequestHeader("Origin", origin == "SAME" ? $"http://{server.HttpEndPoint}" : origin);
        }
        var connect = socket.ConnectAsync(new Uri($"ws://{server.HttpEndPoint}/"), CancellationToken.None);
        if (allowed)
        {
            await connect;
            Assert.Equal(WebSocketState.Open, socket.State);
        }
        else
        {
            await Assert.ThrowsAsync<WebSocketException>(() => connect);
            Assert.Equal(System.Net.HttpStatusCode.Forbidden, socket.HttpStatusCode);
        }
        socket.Dispose();
    }

    [Fact]
    public async Task Origin_AllowList_LetsListedOriginsIn_AndTheSameOriginStill()
    {
        var options = WithWebSocket(new ServerOptions { Http = new HttpOptions { WebSocketOrigins = ["https://chat.example.org"] } });
        await using var server = await LoopbackServer.StartAsync(options);
        await using var ok = await WebSocketLineClient.ConnectAsync(server.WebSocketEndPoint!, ["text.ircv3.net"], origin: "https://chat.example.org");
        await ok.RegisterAsync("listed");
        await using var same = await WebSocketLineClient.ConnectAsync(server.WebSocketEndPoint!, ["text.ircv3.net"], origin: $"http://{server.WebSocketEndPoint}");
        await same.RegisterAsync("same");
        await Assert.ThrowsAsync<WebSocketException>(() => WebSocketLineClient.ConnectAsync(server.WebSocketEndPoint!, ["text.ircv3.net"], origin: "https://other.example.org"));
    }

    private static async Task JoinAsync(string channel, params LineClient[] clients)
    {
        foreach (var c in clients)
        {
            await c.SendAsync("JOIN " + channel);
            await c.SyncAsync();
        }
    }
}
