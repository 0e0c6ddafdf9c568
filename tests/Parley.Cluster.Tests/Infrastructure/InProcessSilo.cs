using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Parley.Protocol;
using Parley.Server.Network;

namespace Parley.Cluster.Tests.Infrastructure;

/// <summary>
/// A bare node for grain-level tests: an Orleans silo configured as a real node's
/// (<see cref="ClusterHost.ConfigureSilo"/>: AdoNet clustering on the test's PostgreSQL, the
/// same failure detection) with its <see cref="ClusterLink"/> on an empty IrcNetwork (users
/// made in it directly go through the cluster as a node's clients do), but no IRC listener. Several run in one process, each with its own services.
/// </summary>
public sealed class InProcessSilo : IAsyncDisposable
{
    private readonly IHost _host;

    private InProcessSilo(IHost host, string name)
    {
        _host = host;
        Name = name;
        Link = host.Services.GetRequiredService<ClusterLink>();
        Network = new IrcNetwork(name, CaseMapping.Rfc1459, TimeProvider.System);
    }

    public string Name { get; }

    public ClusterLink Link { get; }

    /// <summary>The node's network (history off), its link attached: channel commands of its users go through the grains.</summary>
    public IrcNetwork Network { get; }

    public IGrainFactory Grains => _host.Services.GetRequiredService<IGrainFactory>();

    /// <summary>The silo's services (its membership among them).</summary>
    public IServiceProvider Services => _host.Services;

    /// <summary>Starts a silo of the cluster in <paramref name="connectionString"/> (its Orleans tables applied first).</summary>
    public static async Task<InProcessSilo> StartAsync(string connectionString, string name)
    {
        var silo = await BuildAsync(connectionString, name);
        await silo.StartHostAsync();
        return silo;
    }

    /// <summary>A silo as <see cref="StartAsync"/> makes it, not started yet (<see cref="StartHostAsync"/>).</summary>
    public static async Task<InProcessSilo> BuildAsync(string connectionString, string name)
    {
        await using (var db = await Storage.PostgresDatabase.OpenAsync(connectionString))
        {
            await OrleansSchema.ApplyAsync(db);
        }
        var port = NodeProcess.FreePort();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.AddFilter("Orleans", LogLevel.Warning);
        builder.UseOrleans(silo => ClusterHost.ConfigureSilo(silo, name,
            new Parley.Server.Hosting.ClusterOptions { ConnectionString = connectionString, SiloListen = $"127.0.0.1:{port}" },
            new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port)));
        builder.Services.AddSingleton<ClusterLink>();
        var silo = new InProcessSilo(builder.Build(), name);
        silo.Network.AttachLink(silo.Link);
        return silo;
    }

    /// <summary>Starts the silo: returns once it has joined the cluster.</summary>
    public async Task StartHostAsync()
    {
        using var timeout = new CancellationTokenSource(NodeProcess.StartTimeout);
        await _host.StartAsync(timeout.Token);
    }

    /// <summary>Stops the silo (it leaves the cluster); <see cref="DisposeAsync"/> still follows.</summary>
    public async Task StopHostAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await _host.StopAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await _host.StopAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
        }
        _host.Dispose();
    }
}
