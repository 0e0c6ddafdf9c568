using System.Net;
using Microsoft.Extensions.Logging;
using Parley.Server.Hosting;
using Parley.Server.Tests.Infrastructure;

namespace Parley.Server.Tests.Web;

/// <summary>The HTTP listeners on real Kestrel: each serves what its kind says.</summary>
public sealed class HttpListenerTests
{
    [Fact]
    public async Task EachListener_ServesItsOwnPart()
    {
        var options = new ServerOptions
        {
            Http = new HttpOptions { Listen = ["127.0.0.1:0"], WebSocketListen = ["127.0.0.1:0"] },
            Metrics = new MetricsOptions { Listen = ["127.0.0.1:0"] },
        };
        await using var server = await LoopbackServer.StartAsync(options);
        using var http = new HttpClient { Timeout = TestClient.DefaultTimeout };
        foreach (var ep in new[] { server.HttpEndPoint!, server.WebSocketEndPoint!, server.MetricsEndPoint! })
        {
            Assert.Equal("ok\n", await http.GetStringAsync($"http://{ep}/healthz"));
            Assert.StartsWith("ready\n", await http.GetStringAsync($"http://{ep}/readyz"));
        }
        Assert.Equal(HttpStatusCode.UpgradeRequired, (await http.GetAsync($"http://{server.WebSocketEndPoint}/")).StatusCode);
        var root = await http.GetAsync($"http://{server.HttpEndPoint}/");
        // The web client, or the plain word that it was not built.
        Assert.True(root.StatusCode == HttpStatusCode.OK || (await root.Content.ReadAsStringAsync()).Contains("not built", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"http://{server.MetricsEndPoint}/")).StatusCode);
    }

    [Fact]
    public async Task NoHttpOptions_NoHttpListener()
    {
        await using var server = await LoopbackServer.StartAsync();
        Assert.Null(server.HttpEndPoint);
        Assert.Null(server.WebSocketEndPoint);
        Assert.Single(ParleyServer.BoundEndpoints(server.App));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task HttpAddressInUse_IsSkippedOnlyWhenOptional(bool listenIfFree)
    {
        using var taken = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var dir = Directory.CreateTempSubdirectory("parley-http-").FullName;
        try
        {
            var options = new ServerOptions
            {
                Listen = ["127.0.0.1:0"],
                DataDir = dir,
                Http = new HttpOptions { Listen = [$"127.0.0.1:{port}"], ListenIfFree = listenIfFree },
            };
            await using var app = ParleyServer.Build(options, logging: l => l.ClearProviders());
            if (listenIfFree)
            {
                await app.StartAsync();
                Assert.Empty(ParleyServer.Bound(app, ListenerKind.Http));
                await using var irc = await TcpLineClient.ConnectAsync(ParleyServer.BoundEndpoints(app)[0]);
                await irc.RegisterAsync("stillhere");
                await app.StopAsync();
            }
            else
            {
                var ex = await Assert.ThrowsAnyAsync<Exception>(() => app.StartAsync());
                Assert.True(ParleyServer.IsBindFailure(ex));
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Metrics_AreServedInPrometheusFormat_OnTheHttpListener()
    {
        await using var server = await LoopbackServer.StartAsync(new ServerOptions { Http = new HttpOptions { Listen = ["127.0.0.1:0"] } });
        await using (var tcp = await TcpLineClient.ConnectAsync(server.EndPoint))
        {
            await tcp.RegisterAsync("counted");
            await tcp.SendAsync("PRIVMSG counted :hi");
            await tcp.SyncAsync();
        }
        using var http = new HttpClient { Timeout = TestClient.DefaultTimeout };
        var response = await http.GetAsync($"http://{server.HttpEndPoint}/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        foreach (var name in new[]
        {
            "parley_connections_total", "parley_connections_active", "parley_registrations_total", "parley_commands_total",
            "parley_messages_received_total", "parley_messages_delivered_total", "parley_sendq_disconnects_total",
            "parley_flood_limited_total", "parley_storage_errors_total", "parley_history_write_duration_seconds_bucket",
            "dotnet_gc_collections_total", "kestrel_active_connections",
        })
        {
            Assert.Contains("\n" + name + "{", text);
        }
        Assert.Contains("command=\"PRIVMSG\"", text);
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public async Task Metrics_MovedOrOff_AreNotOnTheHttpListener(bool moved, bool enabled)
    {
        var options = new ServerOptions
        {
            Http = new HttpOptions { Listen = ["127.0.0.1:0"] },
            Metrics = new MetricsOptions { Enabled = enabled, Listen = moved ? ["127.0.0.1:0"] : [] },
        };
        await using var server = await LoopbackServer.StartAsync(options);
        using var http = new HttpClient { Timeout = TestClient.DefaultTimeout };
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"http://{server.HttpEndPoint}/metrics")).StatusCode);
        if (moved)
        {
            Assert.Contains("parley_registrations_total", await http.GetStringAsync($"http://{server.MetricsEndPoint}/metrics"));
        }
    }
}
