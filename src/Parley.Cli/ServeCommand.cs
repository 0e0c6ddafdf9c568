using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Parley.Protocol;
using Parley.Server.Hosting;
using Parley.Server.Security;

namespace Parley.Cli;

/// <summary>
/// <c>parley serve</c>: reads options from (lowest first) the built-in defaults, a JSON config
/// file (--config), PARLEY_ environment variables (PARLEY_Server__Name=…) and the command line,
/// validates them, then runs the server until SIGTERM or SIGINT.
/// </summary>
internal static class ServeCommand
{
    public const string Usage = """
        usage: parley serve [options]

          --listen HOST:PORT   where to accept IRC clients; repeatable; IPv6 as [::1]:6667,
                               localhost = 127.0.0.1 and ::1, *:PORT = every address
                               (default: localhost:6667)
          --data-dir DIR       data directory (default: ./parley-data)
          --name NAME          server name (default: parley.local)
          --password PASS      server password clients must send with PASS
          --motd FILE          message of the day, one line per line
          --config FILE        JSON configuration file (see docs/parley.sample.json)
          --no-flood-limits    turn flood control off (benchmarks, conformance runs)
          --no-history         store no messages (no CHATHISTORY, no offline delivery)
          --tls-listen HOST:PORT  where to accept IRC over TLS; repeatable (e.g. localhost:6697)
          --tls-cert PEM       the TLS certificate (default: DATA-DIR/tls-cert.pem, as
                               parley mkcert writes it)
          --tls-key PEM        its private key (default: DATA-DIR/tls-key.pem)
          --http-listen HOST:PORT  where to serve the web client, IRC over WebSocket,
                               /healthz, /readyz and /metrics; repeatable (default:
                               localhost:8080, skipped with a note if that port is taken)
          --no-http            no HTTP listener
          --websocket HOST:PORT  a listener for IRC over WebSocket only; repeatable
          --ws-origin ORIGIN   a browser origin allowed to open an IRC WebSocket
                               (https://chat.example.org, https://*.example.org or *);
                               repeatable (default: the page's own origin only)
          --trusted-proxy CIDR  a reverse proxy whose Forwarded / X-Forwarded-For header
                               gives WebSocket clients' real addresses; repeatable
          --metrics-listen HOST:PORT  serve /metrics there instead of on the HTTP listener
          --no-metrics         no /metrics
          --cluster CONNSTR    be a node of a cluster: the PostgreSQL database the nodes
                               share ("Host=…;Database=…;Username=…;Password=…")
          --silo-listen HOST:PORT  where this node talks to the other nodes; HOST is the
                               IP address they reach it at (default: 127.0.0.1:11111)
          -h, --help           this help

        Every option can also be set in the config file or the environment: see
        docs/configuration.md (for example PARLEY_Server__Name=irc.example.org).
        """;

    private static readonly Dictionary<string, string> ValueOptions = new(StringComparer.Ordinal)
    {
        ["--data-dir"] = "Server:DataDir",
        ["--name"] = "Server:Name",
        ["--password"] = "Server:Password",
        ["--motd"] = "Server:Motd",
        ["--tls-cert"] = "Server:Tls:Certificate",
        ["--tls-key"] = "Server:Tls:Key",
        ["--cluster"] = "Server:Cluster:ConnectionString",
        ["--silo-listen"] = "Server:Cluster:SiloListen",
    };

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Contains("-h") || args.Contains("--help"))
        {
            stdout.WriteLine(Usage);
            return 0;
        }

        ServerOptions options;
        Func<ServerOptions> load;
        try
        {
            var parsed = Parse(args);
            load = () => Load(parsed);
            options = load();
        }
        catch (OptionsException ex)
        {
            stderr.WriteLine($"parley serve: {ex.Message}");
            return 2;
        }

        try
        {
            Directory.CreateDirectory(options.DataDir);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"parley serve: cannot create data directory '{options.DataDir}': {ex.Message}");
            return 2;
        }

        if (options.Http.Enabled && options.Http.Listen is [DefaultHttpListen] && !PortIsFree(DefaultHttpListen))
        {
            // The default is a convenience: a second server on this machine (tests, benchmarks,
            // irctest) must not fail because the first one has it. Asked for explicitly, a port
            // in use is an error like any other.
            stdout.WriteLine($"parley: {DefaultHttpListen} is in use: no web client this time (choose a port with --http-listen HOST:PORT, or --no-http)");
            options = options with { Http = options.Http with { Listen = [] } };
        }

        WebApplication app;
        Func<ServerOptions> reload = () =>
        {
            try
            {
                return load();
            }
            catch (OptionsException ex)
            {
                throw new InvalidOperationException(ex.Message, ex);
            }
        };
        try
        {
            app = options.Cluster.Enabled ? BuildClusterNode(options, reload) : ParleyServer.Build(options, reload);
        }
        catch (OptionsException ex)
        {
            // What only the server checks (the TLS pair loads): still before anything listens.
            stderr.WriteLine($"parley serve: {ex.Message}");
            return 2;
        }
        catch (StartupException ex)
        {
            stderr.WriteLine($"parley serve: {ex.Message}");
            // A cluster that cannot be joined (database unreachable, login refused, silo port
            // taken) is a configuration error (issue 9): 2, as for a bad option.
            return options.Cluster.Enabled ? 2 : 1;
        }
        try
        {
            app.Start();
        }
        catch (Exception ex) when (ParleyServer.IsBindFailure(ex))
        {
            var all = options.Listen.Concat(options.Tls.Listen).Concat(options.Http.Enabled ? options.Http.Listen : []).Concat(options.Http.WebSocketListen).Concat(options.Metrics.Listen);
            stderr.WriteLine($"parley serve: cannot listen on {string.Join(", ", all)}: {Innermost(ex).Message}");
            return 1;
        }
        catch (Exception ex) when (options.Cluster.Enabled)
        {
            // The silo could not join (Orleans' start failed after the checks above).
            stderr.WriteLine($"parley serve: cannot join the cluster: {Innermost(ex).Message.Split('\n')[0].Trim()}");
            return 2;
        }
        foreach (var ep in ParleyServer.BoundEndpoints(app))
        {
            stdout.WriteLine($"parley: listening on {ep}");
        }
        foreach (var ep in ParleyServer.BoundTlsEndpoints(app))
        {
            stdout.WriteLine($"parley: listening on {ep} (TLS)");
        }
        foreach (var url in HttpUrls(app, ListenerKind.Http, options.Http.Listen))
        {
            stdout.WriteLine($"parley: web client at {url} (open it in a browser)");
        }
        foreach (var url in HttpUrls(app, ListenerKind.WebSocket, options.Http.WebSocketListen))
        {
            stdout.WriteLine($"parley: IRC over WebSocket at {url.Replace("http://", "ws://", StringComparison.Ordinal)}");
        }
        foreach (var url in HttpUrls(app, ListenerKind.Metrics, options.Metrics.Listen))
        {
            stdout.WriteLine($"parley: metrics at {url}metrics");
        }
        if (options.Cluster.Enabled)
        {
            stdout.WriteLine($"parley: node of cluster '{options.Cluster.ClusterId}', talking to the other nodes on {options.Cluster.SiloListen}");
        }
        stdout.WriteLine($"parley: server {options.Name} ready, data in {Path.GetFullPath(options.DataDir)}");
        stdout.Flush();
        app.WaitForShutdown();
        return 0;
    }

    /// <summary>Whether HOST:PORT can be bound now (every address it stands for).</summary>
    internal static bool PortIsFree(string listen)
    {
        if (!ListenEndpoint.TryParse(listen, out var ep, out _))
        {
            return false;
        }
        foreach (var address in ep.Resolve())
        {
            try
            {
                using var socket = new System.Net.Sockets.Socket(address.AddressFamily, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                socket.Bind(new System.Net.IPEndPoint(address, ep.Port));
            }
            catch (System.Net.Sockets.SocketException e) when (e.SocketErrorCode == System.Net.Sockets.SocketError.AddressAlreadyInUse)
            {
                return false;
            }
            catch (System.Net.Sockets.SocketException)
            {
                // That address does not exist here (no IPv6): the server will say so if it matters.
            }
        }
        return true;
    }

    /// <summary>The URLs of the bound listeners of one kind: "localhost" where that is what was configured.</summary>
    private static IEnumerable<string> HttpUrls(WebApplication app, ListenerKind kind, IReadOnlyList<string> configured)
    {
        var localhost = configured.Any(l => l.StartsWith("localhost:", StringComparison.OrdinalIgnoreCase));
        return ParleyServer.Bound(app, kind)
            .Select(ep => System.Net.IPAddress.IsLoopback(ep.Address) && localhost ? $"http://localhost:{ep.Port}/"
                : ep.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"http://[{ep.Address}]:{ep.Port}/" : $"http://{ep.Address}:{ep.Port}/")
            .Distinct();
    }

    /// <summary>
    /// The clustered mode's start-up. A method of its own, never inlined, so that only this path
    /// makes the runtime load Parley.Cluster, Orleans and Npgsql. Blocking on the task here is
    /// safe: this is the process's start, with no synchronization context.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WebApplication BuildClusterNode(ServerOptions options, Func<ServerOptions> reload)
        => Parley.Cluster.ClusterHost.BuildAsync(options, reload).GetAwaiter().GetResult();

    internal sealed record Parsed(string? ConfigFile, List<string> Listen, Dictionary<string, string?> Values)
    {
        public List<string> TlsListen { get; } = [];
        public ListOptions Lists { get; init; } = new();
    }

    /// <summary>The repeatable options of the HTTP side, as given on the command line.</summary>
    internal sealed record ListOptions
    {
        public List<string> HttpListen { get; } = [];
        public List<string> WebSocketListen { get; } = [];
        public List<string> WebSocketOrigins { get; } = [];
        public List<string> TrustedProxies { get; } = [];
        public List<string> MetricsListen { get; } = [];
    }

    /// <summary>Where <c>parley serve</c> serves the web client when nothing else is configured.</summary>
    public const string DefaultHttpListen = "localhost:8080";

    internal static Parsed Parse(string[] args)
    {
        string? config = null;
        var listen = new List<string>();
        var tlsListen = new List<string>();
        var lists = new ListOptions();
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < args.Length; i++)
        {
            var arg = CliArgs.SplitInline(args[i], out var inline);
            string Value()
            {
                if (inline is not null)
                {
                    return inline;
                }
                if (i + 1 >= args.Length)
                {
                    throw new OptionsException($"option {arg} needs a value");
                }
                return args[++i];
            }
            switch (arg)
            {
                case "--listen":
                    listen.Add(Value());
                    break;
                case "--tls-listen":
                    tlsListen.Add(Value());
                    break;
                case "--config":
                    config = Value();
                    break;
                case "--no-flood-limits":
                    values["Server:Flood:Enabled"] = "false";
                    break;
                case "--no-history":
                    values["Server:History:Enabled"] = "false";
                    break;
                case "--http-listen":
                    lists.HttpListen.Add(Value());
                    break;
                case "--no-http":
                    values["Server:Http:Enabled"] = "false";
                    break;
                case "--websocket":
                    lists.WebSocketListen.Add(Value());
                    break;
                case "--ws-origin":
                    lists.WebSocketOrigins.Add(Value());
                    break;
                case "--trusted-proxy":
                    lists.TrustedProxies.Add(Value());
                    break;
                case "--metrics-listen":
                    lists.MetricsListen.Add(Value());
                    break;
                case "--no-metrics":
                    values["Server:Metrics:Enabled"] = "false";
                    break;
                default:
                    if (ValueOptions.TryGetValue(arg, out var key))
                    {
                        values[key] = Value();
                        break;
                    }
                    throw new OptionsException($"unknown option '{args[i]}' (see parley serve --help)");
            }
        }
        var parsed = new Parsed(config, listen, values) { Lists = lists };
        parsed.TlsListen.AddRange(tlsListen);
        return parsed;
    }

    /// <summary>Builds the configuration and binds and validates the options.</summary>
    internal static ServerOptions Load(Parsed parsed)
    {
        var builder = new ConfigurationBuilder();
        if (parsed.ConfigFile is not null)
        {
            if (!File.Exists(parsed.ConfigFile))
            {
                throw new OptionsException($"config file '{parsed.ConfigFile}' not found");
            }
            builder.AddJsonFile(Path.GetFullPath(parsed.ConfigFile), optional: false, reloadOnChange: false);
        }
        builder.AddEnvironmentVariables("PARLEY_");
        builder.AddInMemoryCollection(parsed.Values);
        IConfigurationRoot config;
        try
        {
            config = builder.Build();
        }
        catch (Exception ex) when (ex is FormatException or InvalidDataException or IOException)
        {
            throw new OptionsException($"cannot read config file '{parsed.ConfigFile}': {Innermost(ex).Message}");
        }

        var section = config.GetSection(ServerOptions.SectionName);
        ServerOptions options;
        try
        {
            options = section.Get<ServerOptions>(b => b.ErrorOnUnknownConfiguration = true) ?? new ServerOptions();
        }
        catch (InvalidOperationException ex)
        {
            throw new OptionsException("invalid configuration: " + Innermost(ex).Message.Split('\n')[0].Trim());
        }
        // Lists bound onto a default would be appended to it: take them whole instead.
        var listen = parsed.Listen.Count > 0 ? parsed.Listen : section.GetSection("Listen").Get<List<string>>();
        options = options with { Listen = listen is { Count: > 0 } ? listen : ["localhost:6667"] };
        var operators = section.GetSection("Operators").Get<List<OperatorOptions>>(b => b.ErrorOnUnknownConfiguration = true);
        options = options with { Operators = operators ?? [] };
        if (section.GetSection("Connections:Exempt").Get<List<string>>() is { } exempt)
        {
            options = options with { Connections = options.Connections with { Exempt = exempt } };
        }
        List<string>? Whole(List<string> given, string key) => given.Count > 0 ? given : section.GetSection(key).Get<List<string>>();
        options = options with
        {
            Http = options.Http with
            {
                Listen = Whole(parsed.Lists.HttpListen, "Http:Listen") ?? [DefaultHttpListen],
                // The default is a convenience, and so optional; an address asked for must bind.
                ListenIfFree = options.Http.ListenIfFree || Whole(parsed.Lists.HttpListen, "Http:Listen") is null,
                WebSocketListen = Whole(parsed.Lists.WebSocketListen, "Http:WebSocketListen") ?? [],
                WebSocketOrigins = Whole(parsed.Lists.WebSocketOrigins, "Http:WebSocketOrigins") ?? [],
                TrustedProxies = Whole(parsed.Lists.TrustedProxies, "Http:TrustedProxies") ?? [],
            },
            Metrics = options.Metrics with { Listen = Whole(parsed.Lists.MetricsListen, "Metrics:Listen") ?? [] },
        };
        var tlsListen = parsed.TlsListen.Count > 0 ? parsed.TlsListen : section.GetSection("Tls:Listen").Get<List<string>>();
        options = options with { Tls = options.Tls with { Listen = tlsListen ?? [] } };
        if (options.Tls.Listen.Count > 0)
        {
            // The pair parley mkcert writes into the data directory, unless told otherwise.
            options = options with
            {
                Tls = options.Tls with
                {
                    Certificate = options.Tls.Certificate ?? Path.Combine(options.DataDir, MkcertCommand.CertificateFile),
                    Key = options.Tls.Key ?? Path.Combine(options.DataDir, MkcertCommand.KeyFile),
                },
            };
        }
        Validate(options);
        return options;
    }

    private static bool LooksLikeHostName(string? name)
        => !string.IsNullOrWhiteSpace(name) && name.Contains('.')
            && !name.Any(c => c is ' ' or ',' or '!' or '@' or '*' or '?' or ':' || char.IsControl(c));

    internal static void Validate(ServerOptions o)
    {
        foreach (var l in o.Listen)
        {
            if (!ListenEndpoint.TryParse(l, out _, out var error))
            {
                throw new OptionsException(error);
            }
        }
        foreach (var (option, list) in new[] { ("--http-listen", o.Http.Listen), ("--websocket", o.Http.WebSocketListen), ("--metrics-listen", o.Metrics.Listen) })
        {
            foreach (var l in list)
            {
                if (!ListenEndpoint.TryParse(l, out _, out var error))
                {
                    throw new OptionsException(option + ": " + error);
                }
            }
        }
        try
        {
            Parley.Server.Connections.ConnectionLimiter.ParseNetworks(o.Http.TrustedProxies);
        }
        catch (FormatException ex)
        {
            throw new OptionsException("--trusted-proxy: " + ex.Message);
        }
        foreach (var origin in o.Http.WebSocketOrigins)
        {
            if (origin != "*" && !Uri.TryCreate(origin.Replace("://*.", "://wildcard.", StringComparison.Ordinal), UriKind.Absolute, out _))
            {
                throw new OptionsException($"--ws-origin: '{origin}' is not an origin (for example https://chat.example.org, https://*.example.org or *)");
            }
        }
        if (!LooksLikeHostName(o.Name))
        {
            throw new OptionsException($"invalid server name '{o.Name}': it must look like a host name, with a dot (for example irc.example.org)");
        }
        foreach (var l in o.Tls.Listen)
        {
            if (!ListenEndpoint.TryParse(l, out _, out var error))
            {
                throw new OptionsException("--tls-listen: " + error);
            }
        }
        if (string.IsNullOrEmpty(o.Cloaks.Suffix) || !o.Cloaks.Suffix.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '.' or '-'))
        {
            throw new OptionsException($"invalid cloak suffix '{o.Cloaks.Suffix}': letters, digits, dots and dashes only");
        }
        if (o.Cloaks.PrefixV6 is < 0 or > 128)
        {
            throw new OptionsException("Server:Cloaks:PrefixV6 must be within 0-128");
        }
        if (o.Limits.RecvQBytes < 16 * 1024)
        {
            throw new OptionsException("Server:Limits:RecvQBytes must be at least 16384 (a whole line with tags is 8,703 bytes)");
        }
        var c = o.Connections;
        try
        {
            Parley.Server.Connections.ConnectionLimiter.ParseNetworks(c.Exempt);
        }
        catch (FormatException ex)
        {
            throw new OptionsException("Server:Connections:Exempt: " + ex.Message);
        }
        if (c.MaxTotal < 0 || c.ReservedDescriptors < 0 || c.MaxPerAddress < 0 || c.MaxPerBlock < 0 || c.ThrottleConnections < 0 || c.ThrottleSeconds < 1
            || c.BlockPrefixV4 is < 0 or > 32 || c.BlockPrefixV6 is < 0 or > 128 || c.AddressPrefixV6 is < 0 or > 128)
        {
            throw new OptionsException("Server:Connections: limits must not be negative, ThrottleSeconds at least 1, prefixes within 0-32 (IPv4) and 0-128 (IPv6)");
        }
        if (o.Tls.StsDurationSeconds < 0)
        {
            throw new OptionsException("Server:Tls:StsDurationSeconds must not be negative");
        }
        if (!LooksLikeHostName(o.ServicesName))
        {
            throw new OptionsException($"invalid services name '{o.ServicesName}': it must look like a host name, with a dot (for example services.example.org)");
        }
        if (string.IsNullOrWhiteSpace(o.DataDir))
        {
            throw new OptionsException("the data directory must not be empty");
        }
        if (o.Password is { Length: 0 })
        {
            throw new OptionsException("the server password must not be empty");
        }
        if (o.Motd is not null && !File.Exists(o.Motd))
        {
            throw new OptionsException($"MOTD file '{o.Motd}' not found");
        }
        if (!CaseMapping.TryGet(o.CaseMapping, out _))
        {
            throw new OptionsException($"unknown casemapping '{o.CaseMapping}' (rfc1459 or ascii)");
        }
        if (o.Flood.Burst < 1 || o.Flood.PerSecond <= 0)
        {
            throw new OptionsException("flood control needs Burst ≥ 1 and PerSecond > 0");
        }
        var h = o.History;
        if (h.MaxAge is not null && h.MaxAgeDays is not null)
        {
            throw new OptionsException("Server:History:MaxAge and Server:History:MaxAgeDays are the same setting: give one");
        }
        if (h.MaxAgeDays is < 0 or > 3_650_000 || h.EffectiveMaxAge < TimeSpan.Zero || h.MaxMessagesPerTarget < 0 || h.QueryLimit < 1 || h.PruneIntervalMinutes < 1)
        {
            throw new OptionsException("a value under Server:History is out of range (see docs/configuration.md)");
        }
        if (o.Cluster.ProbeTimeout < TimeSpan.FromMilliseconds(100) || o.Cluster.ProbeTimeout > TimeSpan.FromMinutes(10))
        {
            throw new OptionsException("Server:Cluster:ProbeTimeout must be between 00:00:00.1 and 00:10:00");
        }
        var l2 = o.Limits;
        if (l2.SendQBytes < 4096 || l2.RegistrationTimeoutSeconds < 1 || l2.PingIntervalSeconds < 1 || l2.PingTimeoutSeconds < 1
            || l2.NickLength is < 1 or > 200 || l2.MaxTargets < 1 || l2.MaxChannelsPerUser < 1 || l2.MaxListEntries < 1)
        {
            throw new OptionsException("a value under Server:Limits is out of range (see docs/configuration.md)");
        }
        foreach (var op in o.Operators)
        {
            if (string.IsNullOrWhiteSpace(op.Name) || !PasswordHash.IsWellFormed(op.PasswordHash))
            {
                throw new OptionsException($"operator '{op.Name}': needs a Name and a PasswordHash made by 'parley mkpasswd'");
            }
        }
    }

    private static Exception Innermost(Exception ex)
    {
        while (ex.InnerException is not null)
        {
            ex = ex.InnerException;
        }
        return ex;
    }
}
