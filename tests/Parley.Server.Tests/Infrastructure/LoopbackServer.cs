using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Parley.Server.Hosting;

namespace Parley.Server.Tests.Infrastructure;

/// <summary>The real server on Kestrel, bound to 127.0.0.1 on a free port, for end-to-end tests.</summary>
public sealed class LoopbackServer : IAsyncDisposable
{
    private LoopbackServer(WebApplication app, IPEndPoint endpoint, IPEndPoint? tlsEndpoint, string dataDir)
    {
        App = app;
        EndPoint = endpoint;
        TlsEndPoint = tlsEndpoint;
        DataDir = dataDir;
    }

    /// <summary>The TLS listener, when the options asked for one (it is moved to 127.0.0.1 on a free port).</summary>
    public IPEndPoint? TlsEndPoint { get; }

    /// <summary>A temporary data directory, deleted on dispose.</summary>
    public string DataDir { get; }

    public WebApplication App { get; }
    public IPEndPoint EndPoint { get; }

    /// <param name="options">Options; Listen, Name and DataDir are replaced, a TLS listener moved to 127.0.0.1:0.</param>
    /// <param name="reload">What REHASH re-reads (the same replacements apply).</param>
    /// <param name="time">The server's clock (a FakeTimeProvider for flood control and timeouts); the real one by default.</param>
    public static async Task<LoopbackServer> StartAsync(ServerOptions? options = null, Func<ServerOptions>? reload = null, TimeProvider? time = null)
    {
        var dataDir = Directory.CreateTempSubdirectory("parley-loopback-").FullName;
        ServerOptions ForTests(ServerOptions o) => o with
        {
            Listen = ["127.0.0.1:0"],
            Name = TestServer.Name,
            DataDir = dataDir,
            Tls = o.Tls with { Listen = o.Tls.Listen.Count > 0 ? ["127.0.0.1:0"] : [] },
            Http = o.Http with
            {
                Listen = o.Http.Listen.Count > 0 ? ["127.0.0.1:0"] : [],
                WebSocketListen = o.Http.WebSocketListen.Count > 0 ? ["127.0.0.1:0"] : [],
            },
            Metrics = o.Metrics with { Listen = o.Metrics.Listen.Count > 0 ? ["127.0.0.1:0"] : [] },
        };
        options = ForTests(options ?? new ServerOptions());
        var app = ParleyServer.Build(options, reload is null ? null : () => ForTests(reload()), time: time, logging: l => l.ClearProviders());
        await app.StartAsync();
        var endpoint = ParleyServer.BoundEndpoints(app)[0];
        var tls = ParleyServer.BoundTlsEndpoints(app);
        return new LoopbackServer(app, endpoint, tls.Count > 0 ? tls[0] : null, dataDir);
    }

    /// <summary>The first HTTP listener (--http-listen), when the options asked for one (moved to 127.0.0.1:0).</summary>
    public IPEndPoint? HttpEndPoint => First(ListenerKind.Http);

    /// <summary>The first WebSocket-only listener (--websocket), when asked for.</summary>
    public IPEndPoint? WebSocketEndPoint => First(ListenerKind.WebSocket);

    /// <summary>The first metrics listener (--metrics-listen), when asked for.</summary>
    public IPEndPoint? MetricsEndPoint => First(ListenerKind.Metrics);

    /// <summary>The server's shared state.</summary>
    public ServerContext Context => App.Services.GetRequiredService<ServerContext>();

    private IPEndPoint? First(ListenerKind kind) => ParleyServer.Bound(App, kind) is [var first, ..] ? first : null;

    /// <summary>A raw TCP client connected to the server.</summary>
    public async Task<(TcpClient Tcp, StreamReader Reader, Stream Stream)> ConnectAsync()
    {
        var tcp = new TcpClient(AddressFamily.InterNetwork);
        await tcp.ConnectAsync(EndPoint);
        var stream = tcp.GetStream();
        return (tcp, new StreamReader(stream, Encoding.UTF8), stream);
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        Directory.Delete(DataDir, recursive: true);
    }
}
