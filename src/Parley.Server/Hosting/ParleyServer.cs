using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Parley.Protocol;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Parley.Server.Connections;
using Parley.Server.Security;
using Parley.Server.Storage;

namespace Parley.Server.Hosting;

/// <summary>Builds and runs the server: Kestrel listeners with the IRC connection handler.</summary>
public static class ParleyServer
{
    /// <summary>How long shutdown waits for clients to get their ERROR and outboxes to drain.</summary>
    public static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Builds the host. <paramref name="reload"/> re-reads the configuration for REHASH.
    /// Binding happens on start; a port in use fails the start with a clear message. The
    /// database in the data directory is opened (and migrated) here.
    /// </summary>
    /// <exception cref="OptionsException">An invalid listen address.</exception>
    /// <exception cref="StartupException">The database cannot be opened.</exception>
    public static WebApplication Build(ServerOptions options, Func<ServerOptions>? reload = null, TimeProvider? time = null, Action<ILoggingBuilder>? logging = null)
    {
        var endpoints = new List<ListenEndpoint>();
        foreach (var text in options.Listen)
        {
            if (!ListenEndpoint.TryParse(text, out var ep, out var error))
            {
                throw new OptionsException(error);
            }
            endpoints.Add(ep);
        }
        var tlsEndpoints = new List<ListenEndpoint>();
        foreach (var text in options.Tls.Listen)
        {
            if (!ListenEndpoint.TryParse(text, out var ep, out var error))
            {
                throw new OptionsException("TLS: " + error);
            }
            tlsEndpoints.Add(ep);
        }
        CheckTls(options.Tls);

        var accounts = OpenAccounts(options, time ?? TimeProvider.System);
        byte[] cloakKey;
        ServerBans bans;
        try
        {
            cloakKey = HostCloak.LoadOrCreateKey(options.DataDir);
            bans = ServerBans.Load(options.DataDir, time ?? TimeProvider.System);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            accounts.Dispose();
            throw new StartupException(ex.Message, ex);
        }
        IHistoryStore? history = null;
        if (options.History.Enabled)
        {
            try
            {
                history = SqliteHistoryStore.Open(options.DataDir);
            }
            catch (Exception ex) when (ex is SqliteException or InvalidOperationException or IOException or UnauthorizedAccessException)
            {
                accounts.Dispose();
                throw new StartupException($"cannot open the history database in '{options.DataDir}': {ex.Message}", ex);
            }
        }
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);
        logging?.Invoke(builder.Logging);
        builder.Services.AddSingleton(time ?? TimeProvider.System);
        builder.Services.AddSingleton(sp => new ServerContext(options, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>(), reload, accounts, cloakKey, bans, history));
        builder.Services.AddSingleton<IrcConnectionHandler>();
        builder.Services.AddHostedService<ShutdownService>();
        builder.Services.AddHostedService<HeapTrimService>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownGrace + TimeSpan.FromSeconds(2));
        builder.Host.UseConsoleLifetime(o => o.SuppressStatusMessages = true);
        builder.WebHost.UseKestrelCore();
        // Kestrel's socket transport, with an accept loop that pauses on descriptor exhaustion.
        builder.Services.RemoveAll<IConnectionListenerFactory>();
        builder.Services.AddSingleton<IConnectionListenerFactory, PacedListenerFactory>();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            foreach (var ep in endpoints)
            {
                foreach (var address in ep.Resolve())
                {
                    // Plain IRC: the lean transport (an idle connection holds no buffers).
                    k.Listen(new LeanEndPoint(address, ep.Port), lo =>
                    {
                        lo.Protocols = HttpProtocols.None;
                        lo.UseConnectionHandler<IrcConnectionHandler>();
                    });
                }
            }
            foreach (var ep in tlsEndpoints)
            {
                foreach (var address in ep.Resolve())
                {
                    k.Listen(new IPEndPoint(address, ep.Port), lo =>
                    {
                        lo.Protocols = HttpProtocols.None;
                        // The certificate is asked for at every handshake, so REHASH can replace it.
                        lo.UseHttps(new HttpsConnectionAdapterOptions
                        {
                            ServerCertificateSelector = (_, _) => k.ApplicationServices.GetRequiredService<ServerContext>().Certificate,
                            ClientCertificateMode = ClientCertificateMode.AllowCertificate,
                            // Client certificates are identities (certfp), not checked against any CA.
                            ClientCertificateValidation = (_, _, _) => true,
                            HandshakeTimeout = TimeSpan.FromSeconds(Math.Min(10, options.Limits.RegistrationTimeoutSeconds)),
                        });
                        lo.UseConnectionHandler<IrcConnectionHandler>();
                    });
                }
            }
        });
        return builder.Build();
    }

    /// <summary>TLS listeners need a certificate and key that load: checked before anything listens.</summary>
    private static void CheckTls(TlsOptions tls)
    {
        if (tls.Listen.Count == 0)
        {
            return;
        }
        if (string.IsNullOrEmpty(tls.Certificate) || string.IsNullOrEmpty(tls.Key))
        {
            throw new OptionsException("a TLS listener needs --tls-cert and --tls-key (make a pair with parley mkcert)");
        }
        try
        {
            using var _ = TlsCertificate.Load(tls.Certificate, tls.Key);
        }
        catch (InvalidOperationException ex)
        {
            throw new OptionsException(ex.Message + (File.Exists(tls.Certificate) ? "" : " (make a pair with parley mkcert)"));
        }
    }

    /// <summary>The accounts in <c>parley.db</c> in the data directory, folded with the server's casemapping.</summary>
    private static SqliteAccountStore OpenAccounts(ServerOptions options, TimeProvider time)
    {
        var mapping = CaseMapping.TryGet(options.CaseMapping, out var m) ? m : CaseMapping.Rfc1459;
        SqliteDatabase? db = null;
        try
        {
            db = SqliteDatabase.Open(options.DataDir);
            return SqliteAccountStore.Open(db, mapping, time, ownsDatabase: true);
        }
        catch (Exception ex) when (ex is SqliteException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            db?.Dispose();
            throw new StartupException($"cannot open the database in '{options.DataDir}': {ex.Message}", ex);
        }
    }

    /// <summary>The plain-text addresses actually bound (ports resolved when 0 was asked), after start.</summary>
    public static IReadOnlyList<IPEndPoint> BoundEndpoints(WebApplication app) => Bound(app.Services, tls: false);

    /// <summary>The TLS addresses actually bound, after start.</summary>
    public static IReadOnlyList<IPEndPoint> BoundTlsEndpoints(WebApplication app) => Bound(app.Services, tls: true);

    private static List<IPEndPoint> Bound(IServiceProvider services, bool tls)
    {
        var addresses = services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var list = new List<IPEndPoint>();
        foreach (var a in addresses)
        {
            var uri = new Uri(a);
            var host = uri.Host.Trim('[', ']');
            if (uri.Scheme == (tls ? "https" : "http") && IPAddress.TryParse(host, out var ip))
            {
                list.Add(new IPEndPoint(ip, uri.Port));
            }
        }
        return list;
    }

    /// <summary>Whether an exception from start-up means an address could not be bound.</summary>
    public static bool IsBindFailure(Exception ex)
        => ex is IOException { InnerException: SocketException } or SocketException
           || ex.GetType().Name == "AddressInUseException"
           || (ex.InnerException is not null && IsBindFailure(ex.InnerException));

    /// <summary>
    /// On SIGTERM/SIGINT: every client gets an ERROR and its outbox drains. Runs in
    /// <see cref="IHostedLifecycleService.StoppingAsync"/>, which the host calls before it stops
    /// any service, Kestrel included, so connections are still open.
    /// </summary>
    private sealed class ShutdownService(ServerContext server, IServiceProvider services) : IHostedLifecycleService
    {
        public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        /// <summary>Once listening: the TLS port the sts capability names.</summary>
        public Task StartedAsync(CancellationToken cancellationToken)
        {
            var tls = Bound(services, tls: true);
            server.TlsPort = tls.Count > 0 ? tls[0].Port : null;
            return Task.CompletedTask;
        }

        public Task StoppingAsync(CancellationToken cancellationToken)
            => server.ShutdownAsync("Server shutting down", ShutdownGrace);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

/// <summary>An invalid option or configuration value: reported as one line, exit code 2.</summary>
public sealed class OptionsException(string message) : Exception(message);
