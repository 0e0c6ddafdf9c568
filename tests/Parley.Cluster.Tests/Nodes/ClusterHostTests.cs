using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace Parley.Cluster.Tests.Nodes;

/// <summary>
/// How a node's silo is configured (<see cref="ClusterHost.ConfigureSilo"/>): built, never
/// started, so no database is needed.
/// </summary>
public sealed class ClusterHostTests
{
    [Fact]
    public void FailureDetection_ScalesWithTheProbeTimeout()
    {
        using var host = Build(TimeSpan.FromSeconds(15));

        var membership = host.Services.GetRequiredService<IOptions<ClusterMembershipOptions>>().Value;
        // Orleans gets half (its adaptive probe period never drops below half of it: ClusterHost).
        Assert.Equal(TimeSpan.FromSeconds(7.5), membership.ProbeTimeout);
        Assert.Equal(TimeSpan.FromSeconds(60), membership.MaxProbeTimeout);
        Assert.Equal(2, membership.NumMissedProbesLimit);
        Assert.Equal(TimeSpan.FromSeconds(30), membership.TableRefreshTimeout);
        Assert.Equal(TimeSpan.FromSeconds(75), membership.IAmAliveTablePublishTimeout);
        Assert.Equal(TimeSpan.FromSeconds(75), host.Services.GetRequiredService<IOptions<ConnectionOptions>>().Value.OpenConnectionTimeout);
        Assert.Equal(TimeSpan.FromSeconds(150), host.Services.GetRequiredService<IOptions<GrainDirectoryOptions>>().Value.RangeLeaseDuration);
        Assert.Equal(TimeSpan.FromSeconds(450), host.Services.GetRequiredService<IOptions<SiloMessagingOptions>>().Value.ResponseTimeout);
    }

    [Fact]
    public void FailureDetection_ByDefault_IsTunedToAboutASecond()
    {
        using var host = Build(null);

        var membership = host.Services.GetRequiredService<IOptions<ClusterMembershipOptions>>().Value;
        Assert.Equal(TimeSpan.FromSeconds(0.5), membership.ProbeTimeout);
        Assert.Equal(TimeSpan.FromSeconds(4), membership.MaxProbeTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2), membership.TableRefreshTimeout);
        Assert.Equal(TimeSpan.FromSeconds(5), membership.IAmAliveTablePublishTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), host.Services.GetRequiredService<IOptions<GrainDirectoryOptions>>().Value.RangeLeaseDuration);
    }

    private static IHost Build(TimeSpan? probeTimeout)
    {
        var cluster = new Parley.Server.Hosting.ClusterOptions { ConnectionString = "Host=127.0.0.1;Database=unused", SiloListen = "127.0.0.1:11111" };
        if (probeTimeout is { } p)
        {
            cluster = cluster with { ProbeTimeout = p };
        }
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.UseOrleans(silo => ClusterHost.ConfigureSilo(silo, "node", cluster, new IPEndPoint(IPAddress.Loopback, 11111)));
        return builder.Build();
    }
}
