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
    private LoopbackServer(WebApplication app, IPEndPoint endpoint, string dataDir)
    {
        App = app;
        EndPoint = endpoint;
        DataDir = dataDir;
    }

    /// <summary>A temporary data directory, deleted on dispose.</summary>
    public string DataDir { get; }

    public WebApplication App { get; }
    public IPEndPoint EndPoint { get; }

    public static async Task<LoopbackServer> StartAsync(ServerOptions? options = null)
    {
        options ??= new ServerOptions();
        var dataDir = Directory.CreateTempSubdirectory("parley-loopback-").FullName;
        options = options with { Listen = ["127.0.0.1:0"], Name = TestServer.Name, DataDir = dataDir };
        var app = ParleyServer.Build(options, logging: l => l.ClearProviders());
        await app.StartAsync();
        var endpoint = ParleyServer.BoundEndpoints(app)[0];
        return new LoopbackServer(app, endpoint, dataDir);
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
