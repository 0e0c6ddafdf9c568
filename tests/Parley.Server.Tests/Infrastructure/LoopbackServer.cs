using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
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
    public static async Task<LoopbackServer> StartAsync(ServerOptions? options = null, Func<ServerOptions>? reload = null)
    {
        var dataDir = Directory.CreateTempSubdirectory("parley-loopback-").FullName;
        ServerOptions ForTests(ServerOptions o) => o with
        {
            Listen = ["127.0.0.1:0"],
            Name = TestServer.Name,
            DataDir = dataDir,
            Tls = o.Tls with { Listen = o.Tls.Listen.Count > 0 ? ["127.0.0.1:0"] : [] },
        };
        options = ForTests(options ?? new ServerOptions());
        var app = ParleyServer.Build(options, reload is null ? null : () => ForTests(reload()), logging: l => l.ClearProviders());
        await app.StartAsync();
        var endpoint = ParleyServer.BoundEndpoints(app)[0];
        var tls = ParleyServer.BoundTlsEndpoints(app);
        return new LoopbackServer(app, endpoint, tls.Count > 0 ? tls[0] : null, dataDir);
    }

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
