using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Storage;
using Parley.Cluster.Storage;
using Parley.Protocol;
using Parley.Server.Hosting;
using Parley.Server.Network;
using Parley.Server.Web;
using OrleansClusterOptions = Orleans.Configuration.ClusterOptions;

namespace Parley.Cluster;

/// <summary>
/// Builds a cluster node: the ordinary server (<see cref="ParleyServer.Build"/>) with its
/// accounts and history in the cluster's PostgreSQL database and an Orleans silo in the same
/// host, which joins the other nodes through the membership table in that database.
/// </summary>
public static class ClusterHost
{
    /// <summary>The cluster's IP cloaking key in <c>parley_meta</c> (base64).</summary>
    internal const string CloakKeyName = "cloak_key";

    /// <summary>Opens the database, applies the schemas and builds the host; the silo starts with it.</summary>
    /// <exception cref="OptionsException">An invalid silo address.</exception>
    /// <exception cref="StartupException">
    /// The database is unreachable, refuses the login, or lacks; or the silo port is taken:
    /// one line that says which (the CLI exits 2).
    /// </exception>
    public static async Task<WebApplication> BuildAsync(ServerOptions options, Func<ServerOptions>? reload = null, TimeProvider? time = null,
        Action<ILoggingBuilder>? logging = null, CancellationToken cancellationToken = default)
    {
        var cluster = options.Cluster;
        if (!cluster.Enabled)
        {
            throw new ArgumentException("the clustered mode needs Server:Cluster:ConnectionString", nameof(options));
        }
        var silo = ParseSiloEndpoint(cluster.SiloListen);
        CheckPortFree(silo);
        var mapping = CaseMapping.TryGet(options.CaseMapping, out var m) ? m : CaseMapping.Rfc1459;

        var db = await PostgresDatabase.OpenAsync(cluster.ConnectionString!, cancellationToken);
        PostgresAccountStore accounts;
        PostgresHistoryStore history;
        byte[] cloakKey;
        try
        {
            await OrleansSchema.ApplyAsync(db, cancellationToken);
            accounts = await PostgresAccountStore.OpenAsync(db, mapping, time ?? TimeProvider.System, ownsDatabase: true, cancellationToken: cancellationToken);
            history = new PostgresHistoryStore(db);
            // One cloaking key for the cluster: a user's cloaked host (and so a ban on it) is the
            // same whichever node they connect to.
            cloakKey = Convert.FromBase64String(await db.GetOrCreateMetaAsync(CloakKeyName,
                () => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), cancellationToken));
        }
        catch (Exception ex) when (PostgresDatabase.Describe(ex, db.DataSource) is { } message)
        {
            await db.DisposeAsync();
            throw new StartupException(message, ex);
        }
        catch
        {
            await db.DisposeAsync();
            throw;
        }

        var backends = new ServerBackends
        {
            Accounts = accounts,
            History = history,
            CloakKey = cloakKey,
            Configure = builder =>
            {
                builder.Logging.AddFilter("Orleans", LogLevel.Warning);
                // Orleans' placement retries log every grain placement at Information.
                builder.Logging.AddFilter("Polly", LogLevel.Warning);
                // At every start these two warn of what we chose (workstation GC, see
                // Parley.Cli.csproj) and of a watchdog check that has not run yet.
                builder.Logging.AddFilter("Orleans.Runtime.Silo", LogLevel.Error);
                builder.Logging.AddFilter("Orleans.Runtime.Watchdog", LogLevel.Error);
                builder.UseOrleans(siloBuilder => ConfigureSilo(siloBuilder, options.Name, cluster, silo));
                builder.Services.AddSingleton(new NodeIdentity(options.Name, options.Description));
                builder.Services.AddSingleton<ClusterLink>();
                builder.Services.AddSingleton<INetworkLink>(sp => sp.GetRequiredService<ClusterLink>());
                builder.Services.AddHostedService<MembershipWatcher>();
                builder.Services.AddHostedService<NodeRegistration>();
                builder.Services.AddSingleton<IReadinessCheck, ClusterReadinessCheck>();
            },
        };
        return ParleyServer.Build(options, reload, time, logging, backends);
    }

    internal static void ConfigureSilo(ISiloBuilder silo, string serverName, Parley.Server.Hosting.ClusterOptions cluster, IPEndPoint endpoint)
    {
        // The server's name names the node in Orleans' membership table (and, to come, LINKS).
        silo.Configure<SiloOptions>(o => o.SiloName = serverName);
        silo.Configure<OrleansClusterOptions>(o =>
        {
            o.ClusterId = cluster.ClusterId;
            o.ServiceId = "parley";
        });
        silo.UseAdoNetClustering(o =>
        {
            o.Invariant = "Npgsql";
            o.ConnectionString = cluster.ConnectionString;
        });
        // Nodes talk silo to silo only: no Orleans client gateway.
        silo.Configure<EndpointOptions>(o =>
        {
            o.AdvertisedIPAddress = endpoint.Address;
            o.SiloPort = endpoint.Port;
            o.GatewayPort = 0;
            o.SiloListeningEndpoint = endpoint;
        });
        // Failure detection tuned to about a second with the default probe timeout of 1 s
        // (../shared/notes/orleans.md: a SIGKILLed node was declared dead in 0.57-0.78 s with
        // these, 6-14 s with Orleans' defaults). Everything scales with the probe timeout
        // (Server:Cluster:ProbeTimeout), so a node given more patience keeps the same proportions.
        var probe = cluster.ProbeTimeout;
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            // Orleans 10 adapts each probe's timeout, which is also the period between probes,
            // to the round trips it measures, but never below half its initial timeout (the
            // phi-accrual estimate's floor): probe / 2 here probes every probe / 4 (0.25 s by
            // default) and declares a SIGKILLed node dead after two missed probes, the second
            // sent through another node (issue 9: its users seen quitting within 2 s; docs/cluster.md,
            // "When a node dies"). The ceiling stays 4 x probe: times the missed probes it is the
            // window in which any message received from a node vetoes a vote against it (Orleans'
            // connection-liveness check), 8 s by default, so a node alive but slow (GC, a starved
            // CPU) is not voted out, and the directory lease below keeps its proportion.
            o.ProbeTimeout = probe / 2;
            o.MaxProbeTimeout = probe * 4;
            o.NumMissedProbesLimit = 2;
            o.TableRefreshTimeout = probe * 2;
            o.IAmAliveTablePublishTimeout = probe * 5;
        });
        // Opening a connection to another node: Orleans' default is 5 s, 5 probe timeouts here.
        silo.Configure<ConnectionOptions>(o => o.OpenConnectionTimeout = probe * 5);
        // A grain call that has no answer: Orleans' default is 30 s, 30 probe timeouts here.
        silo.Configure<SiloMessagingOptions>(o =>
        {
            o.ResponseTimeout = probe * 30;
            o.SystemResponseTimeout = probe * 30;
        });

        // One activation per grain, even right after a node's death. The default directory can
        // give a grain a second activation in the moments after a membership change (a nick was
        // taken twice once: docs/DEVELOPING.md); the distributed directory is strongly
        // consistent and recycled none of the survivors' grains (../shared/notes/orleans.md).
        // It is experimental in Orleans 10.4 (ORLEANSEXP003).
#pragma warning disable ORLEANSEXP003
        silo.AddDistributedGrainDirectory();
#pragma warning restore ORLEANSEXP003
        silo.Configure<GrainDirectoryOptions>(o => o.RangeLeaseDuration = DirectoryLeaseAfterDeath(probe));

        // Grain state that must survive its node: nick holders (NickGrain: a nick grain lost
        // with its node comes back knowing its holder, and the version check of each write keeps
        // two activations from both granting a nick) and the nodes' observers (NodeDirectoryGrain).
        // Orleans' own serializer, because both carry observer references. A cleared state's row
        // is deleted.
        silo.AddAdoNetGrainStorage(GrainStorage, o =>
        {
            o.Invariant = "Npgsql";
            o.ConnectionString = cluster.ConnectionString;
            o.DeleteStateOnClear = true;
        });
        silo.Services.AddKeyedSingleton<IGrainStorageSerializer>(GrainStorage,
            (sp, _) => new OrleansGrainStorageSerializer(sp.GetRequiredService<Orleans.Serialization.Serializer>()));
    }

    /// <summary>The grain storage provider (PostgreSQL) of the grains whose state outlives a node.</summary>
    public const string GrainStorage = "cluster";

    /// <summary>
    /// How long after a node's (estimated) failure its grains' directory entries stay reserved,
    /// so a node declared dead but still running cannot serve a grain beside its new activation.
    /// Orleans counts it from the failure-detection window (4 x ProbeTimeout x 2 missed probes
    /// = 8 s with the default 1 s), so 10 probe timeouts keep the dead node's grains unavailable
    /// about 2 s after the death is declared (the note measured 2.1 s; 22 s with Orleans'
    /// default 30 s).
    /// </summary>
    public static TimeSpan DirectoryLeaseAfterDeath(TimeSpan probeTimeout) => probeTimeout * 10;

    /// <summary>HOST:PORT, HOST an IP address or localhost (127.0.0.1): what the other nodes are told to connect to.</summary>
    internal static IPEndPoint ParseSiloEndpoint(string text)
    {
        if (!ListenEndpoint.TryParse(text, out var ep, out var error))
        {
            throw new OptionsException("--silo-listen: " + error);
        }
        if (ep.Port == 0)
        {
            throw new OptionsException($"--silo-listen: '{text}' needs a fixed port (the other nodes learn it from the membership table)");
        }
        if (ep.IsLocalhost)
        {
            return new IPEndPoint(IPAddress.Loopback, ep.Port);
        }
        if (ep.IsAny || !IPAddress.TryParse(ep.Host, out var address))
        {
            throw new OptionsException($"--silo-listen: '{text}': HOST must be the IP address the other nodes reach this node at (127.0.0.1 on one machine)");
        }
        return new IPEndPoint(address, ep.Port);
    }

    /// <summary>A taken silo port is a configuration error, said in one line before anything starts.</summary>
    private static void CheckPortFree(IPEndPoint endpoint)
    {
        try
        {
            using var probe = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(endpoint);
        }
        catch (SocketException ex)
        {
            throw new StartupException($"cannot listen for the other nodes on {endpoint}: {ex.Message}", ex);
        }
    }
}
