using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Parley.Protocol;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using System.Diagnostics.Metrics;
using OpenTelemetry.Metrics;
using Parley.Server.Connections;
using Parley.Server.Diagnostics;
using Parley.Server.Security;
using Parley.Server.Storage;
using Parley.Server.Web;

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
    /// <param name="backends">Replacements for the single node's stores, and more services (the clustered mode); null: none.</param>
    public static WebApplication Build(ServerOptions options, Func<ServerOptions>? reload = null, TimeProvider? time = null, Action<ILoggingBuilder>? logging = null, ServerBackends? backends = null)
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
        var httpEndpoints = ParseAll(options.Http.Enabled ? options.Http.Listen : [], "--http-listen");
        var webSocketEndpoints = ParseAll(options.Http.WebSocketListen, "--websocket");
        var metricsEndpoints = ParseAll(options.Metrics.Listen, "--metrics-listen");
        try
        {
            ConnectionLimiter.ParseNetworks(options.Http.TrustedProxies);
        }
        catch (FormatException ex)
        {
            throw new OptionsException("Server:Http:TrustedProxies: " + ex.Message);
        }
        var listeners = new Listeners();

        IAccountStore accounts = backends?.Accounts ?? OpenAccounts(options, time ?? TimeProvider.System);
        byte[] cloakKey;
        ServerBans bans;
        try
        {
            cloakKey = backends?.CloakKey ?? HostCloak.LoadOrCreateKey(options.DataDir);
            bans = ServerBans.Load(options.DataDir, time ?? TimeProvider.System);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            accounts.Dispose();
            throw new StartupException(ex.Message, ex);
        }
        IHistoryStore? history = null;
        if (options.History.Enabled && backends?.History is not null)
        {
            history = backends.History;
        }
        else if (options.History.Enabled)
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
        backends?.Configure?.Invoke(builder);
        builder.Services.AddSingleton(time ?? TimeProvider.System);
        // A cluster node registers its INetworkLink (ServerBackends.Configure); a single node has none.
        builder.Services.AddSingleton(sp => new ServerContext(options, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>(), reload, accounts, cloakKey, bans, history,
            sp.GetService<Network.INetworkLink>(), sp.GetRequiredService<ParleyMetrics>()));
        builder.Services.AddMetrics();
        builder.Services.AddSingleton(sp => new ParleyMetrics(sp.GetRequiredService<IMeterFactory>()));
        if (options.Metrics.Enabled)
        {
            // Our meter, the runtime's (GC, thread pool, exceptions: built into .NET) and
            // Kestrel's (connections, TLS handshakes), exported at /metrics.
            builder.Services.AddOpenTelemetry().WithMetrics(m => m
                .AddMeter(ParleyMetrics.MeterName, "System.Runtime", "Microsoft.AspNetCore.Server.Kestrel")
                .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));
        }
        builder.Services.AddSingleton<IrcConnectionHandler>();
        builder.Services.AddSingleton(listeners);
        builder.Services.AddSingleton(WebAssets.FromServerAssembly());
        builder.Services.AddSingleton<WebSocketEndpoint>();
        builder.Services.AddSingleton<HttpFrontEnd>();
        builder.Services.AddSingleton<IReadinessCheck, AccountStoreCheck>();
        builder.Services.AddSingleton<IReadinessCheck, HistoryStoreCheck>();
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
                        listeners.Add(ListenerKind.Irc, lo);
                    });
                }
            }
            foreach (var ep in tlsEndpoints)
            {
                foreach (var address in ep.Resolve())
                {
                    k.Listen(new IPEndPoint(address, ep.Port), lo =>
                    {
                        // IRC, and HTTPS (the web client, wss) for clients that speak HTTP: see
                        // ProtocolSniffer. Kestrel's HTTP handling comes after our middleware.
                        lo.Protocols = HttpProtocols.Http1;
                        // The certificate is asked for at every handshake, so REHASH can replace it.
                        lo.UseHttps(new HttpsConnectionAdapterOptions
                        {
                            ServerCertificateSelector = (_, _) => k.ApplicationServices.GetRequiredService<ServerContext>().Certificate,
                            ClientCertificateMode = ClientCertificateMode.AllowCertificate,
                            // Client certificates are identities (certfp), not checked against any CA.
                            ClientCertificateValidation = (_, _, _) => true,
                            HandshakeTimeout = TimeSpan.FromSeconds(Math.Min(10, options.Limits.RegistrationTimeoutSeconds)),
                            // No ALPN: IRC clients that offer a protocol of their own must not fail
                            // the handshake for want of a match; browsers take HTTP/1.1 without it.
                            OnAuthenticate = (_, ssl) => ssl.ApplicationProtocols = null,
                        });
                        var web = new HttpRoleFeature(HttpRole.Web);
                        lo.Use(next => async connection =>
                        {
                            var server = k.ApplicationServices.GetRequiredService<ServerContext>();
                            if (await ProtocolSniffer.IsHttpAsync(connection.Transport.Input, ProtocolSniffer.Wait, server.Time, connection.ConnectionClosed))
                            {
                                connection.Features.Set(web);
                                await ServeHttpAsync(server, connection, next);
                                return;
                            }
                            await k.ApplicationServices.GetRequiredService<IrcConnectionHandler>().OnConnectedAsync(connection);
                        });
                        listeners.Add(ListenerKind.IrcTls, lo);
                    });
                }
            }
            ListenHttp(k, httpEndpoints, HttpRole.Web, ListenerKind.Http, listeners, optional: options.Http.ListenIfFree);
            ListenHttp(k, webSocketEndpoints, HttpRole.WebSocket, ListenerKind.WebSocket, listeners);
            ListenHttp(k, metricsEndpoints, HttpRole.Metrics, ListenerKind.Metrics, listeners);
        });
        var app = builder.Build();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = WebSocketKeepAlive });
        if (options.Metrics.Enabled)
        {
            app.UseOpenTelemetryPrometheusScrapingEndpoint(meterProvider: null,
                predicate: context => HttpFrontEnd.ServesMetrics(context, context.RequestServices.GetRequiredService<ServerContext>().Options.Metrics),
                path: null, configureBranchedPipeline: null, optionsName: null);
        }
        var frontEnd = app.Services.GetRequiredService<HttpFrontEnd>();
        app.Run(frontEnd.InvokeAsync);
        return app;
    }

    /// <summary>
    /// How often the WebSocket layer sends a ping frame to a quiet client: keeps proxies from
    /// closing an idle connection. Liveness itself is IRC's PING, as on TCP.
    /// </summary>
    public static readonly TimeSpan WebSocketKeepAlive = TimeSpan.FromSeconds(60);

    private static List<ListenEndpoint> ParseAll(IEnumerable<string> texts, string option)
    {
        var list = new List<ListenEndpoint>();
        foreach (var text in texts)
        {
            if (!ListenEndpoint.TryParse(text, out var ep, out var error))
            {
                throw new OptionsException(option + ": " + error);
            }
            list.Add(ep);
        }
        return list;
    }

    /// <summary>HTTP/1.1 listeners; each tells its requests what it serves (<see cref="HttpRoleFeature"/>).</summary>
    private static void ListenHttp(KestrelServerOptions k, List<ListenEndpoint> endpoints, HttpRole role, ListenerKind kind, Listeners listeners, bool optional = false)
    {
        var feature = new HttpRoleFeature(role);
        foreach (var ep in endpoints)
        {
            foreach (var address in ep.Resolve())
            {
                if (optional && ep.Port != 0)
                {
                    listeners.AddOptional(new IPEndPoint(address, ep.Port));
                }
                k.Listen(new IPEndPoint(address, ep.Port), lo =>
                {
                    lo.Protocols = HttpProtocols.Http1;
                    lo.Use(next => connection =>
                    {
                        connection.Features.Set(feature);
                        // The metrics listener is an operator's (keep it private): not limited.
                        return role == HttpRole.Metrics ? next(connection)
                            : ServeHttpAsync(k.ApplicationServices.GetRequiredService<ServerContext>(), connection, next);
                    });
                    listeners.Add(kind, lo);
                });
            }
        }
    }

    /// <summary>An HTTP connection counted in the connection limits while it lasts (<see cref="HttpConnectionAdmission"/>).</summary>
    private static async Task ServeHttpAsync(ServerContext server, ConnectionContext connection, ConnectionDelegate next)
    {
        var admission = HttpConnectionAdmission.Admit(server, connection.RemoteEndPoint);
        connection.Features.Set(admission);
        try
        {
            await next(connection);
        }
        finally
        {
            admission.Release();
        }
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

    /// <summary>The plain-text IRC addresses actually bound (ports resolved when 0 was asked), after start.</summary>
    public static IReadOnlyList<IPEndPoint> BoundEndpoints(WebApplication app) => Bound(app, ListenerKind.Irc);

    /// <summary>The TLS addresses actually bound, after start.</summary>
    public static IReadOnlyList<IPEndPoint> BoundTlsEndpoints(WebApplication app) => Bound(app, ListenerKind.IrcTls);

    /// <summary>The addresses of one kind of listener actually bound, after start.</summary>
    public static IReadOnlyList<IPEndPoint> Bound(WebApplication app, ListenerKind kind) => app.Services.GetRequiredService<Listeners>().Bound(kind);

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
    private sealed class ShutdownService(ServerContext server, Listeners listeners) : IHostedLifecycleService
    {
        public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        /// <summary>Once listening: the TLS port the sts capability names.</summary>
        public Task StartedAsync(CancellationToken cancellationToken)
        {
            var tls = listeners.Bound(ListenerKind.IrcTls);
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
