using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Parley.Server;
using Parley.Server.Hosting;
using Parley.Server.Storage;

namespace Parley.Cli.Tests.Chat;

/// <summary>The real Parley server on 127.0.0.1 and a free port, with a temporary data directory.</summary>
public sealed class ParleyLoopback : IAsyncDisposable
{
    private readonly string _dataDir;
    private readonly bool _history;
    private WebApplication _app;
    private bool _stopped;

    private ParleyLoopback(WebApplication app, IPEndPoint endpoint, string dataDir, bool history)
    {
        _app = app;
        EndPoint = endpoint;
        _dataDir = dataDir;
        _history = history;
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>SERVER:PORT as parley chat takes it.</summary>
    public string Address => EndPoint.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
        ? $"[{EndPoint.Address}]:{EndPoint.Port}"
        : $"{EndPoint.Address}:{EndPoint.Port}";

    /// <param name="host">127.0.0.1, or ::1 for IPv6.</param>
    /// <param name="history">Whether the server keeps history (Server:History:Enabled).</param>
    public static async Task<ParleyLoopback> StartAsync(string host = "127.0.0.1", bool history = true)
    {
        var dataDir = Directory.CreateTempSubdirectory("parley-chat-test-").FullName;
        var app = await StartAppAsync(dataDir, 0, host, history);
        return new ParleyLoopback(app, ParleyServer.BoundEndpoints(app)[0], dataDir, history);
    }

    private static async Task<WebApplication> StartAppAsync(string dataDir, int port, string host, bool history)
    {
        var listen = host.Contains(':', StringComparison.Ordinal) ? $"[{host}]:{port}" : $"{host}:{port}";
        var options = new ServerOptions
        {
            Listen = [listen],
            Name = "parley.test",
            DataDir = dataDir,
            Flood = new FloodOptions { Enabled = false },
            History = new HistoryOptions { Enabled = history },
        };
        var app = ParleyServer.Build(options, logging: l => l.ClearProviders());
        await app.StartAsync();
        return app;
    }

    /// <summary>Starts the server again on the same port and data directory, after <see cref="StopAsync"/>.</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
        _app = await StartAppAsync(_dataDir, EndPoint.Port, EndPoint.Address.ToString(), _history);
        _stopped = false;
    }

    public async Task CreateAccountAsync(string name, string password) =>
        Assert.Equal(AccountResult.Ok, await _app.Services.GetRequiredService<ServerContext>().Accounts.CreateAsync(name, password));

    /// <summary>Stops the server (its clients see the shutdown); the data directory goes at dispose.</summary>
    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _app.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
        Directory.Delete(_dataDir, recursive: true);
    }
}
