using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Parley.Server;
using Parley.Server.Hosting;
using Parley.Server.Storage;

namespace Parley.Client.Tests.Infrastructure;

/// <summary>The real Parley server (Kestrel) on 127.0.0.1 and a free port, with a temporary data directory.</summary>
public sealed class ParleyLoopback : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _dataDir;

    private ParleyLoopback(WebApplication app, IPEndPoint endpoint, string dataDir)
    {
        _app = app;
        EndPoint = endpoint;
        _dataDir = dataDir;
    }

    public IPEndPoint EndPoint { get; }

    public int Port => EndPoint.Port;

    public static async Task<ParleyLoopback> StartAsync(string listen = "127.0.0.1:0")
    {
        var dataDir = Directory.CreateTempSubdirectory("parley-client-test-").FullName;
        var options = new ServerOptions { Listen = [listen], Name = "parley.test", DataDir = dataDir, Flood = new FloodOptions { Enabled = false } };
        var app = ParleyServer.Build(options, logging: l => l.ClearProviders());
        await app.StartAsync();
        return new ParleyLoopback(app, ParleyServer.BoundEndpoints(app)[0], dataDir);
    }

    public async Task CreateAccountAsync(string name, string password)
    {
        var result = await _app.Services.GetRequiredService<ServerContext>().Accounts.CreateAsync(name, password);
        Assert.Equal(AccountResult.Ok, result);
    }

    public IrcClientOptions ClientOptions(string nick, string? password = null) => new()
    {
        Host = "127.0.0.1",
        Port = Port,
        Nick = nick,
        Password = password,
        Reconnect = new ReconnectPolicy { Enabled = false },
    };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Directory.Delete(_dataDir, recursive: true);
    }
}
