namespace Parley.Cli.Tests;

using Parley.Server.Hosting;
using Parley.Server.Security;


public sealed class ServeCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("parley-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("--bogus")]
    [InlineData("--listen")]
    [InlineData("--listen", "6667")]
    [InlineData("--listen", "::1:6667")]
    [InlineData("--listen", "127.0.0.1:99999")]
    [InlineData("--name", "no-dot")]
    [InlineData("--name", "bad name.org")]
    [InlineData("--motd", "/nonexistent/motd.txt")]
    [InlineData("--config", "/nonexistent/parley.json")]
    [InlineData("--password", "")]
    [InlineData("--http-listen", "8080")]
    [InlineData("--websocket", "localhost")]
    [InlineData("--metrics-listen", "[::1]8080")]
    [InlineData("--trusted-proxy", "not-a-block")]
    [InlineData("--ws-origin", "chat.example.org")]
    public void Run_WithBadOption_PrintsOneLineAndExits2(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = ServeCommand.Run(args, stdout, stderr);
        Assert.Equal(2, code);
        var lines = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("parley serve: ", lines[0]);
        Assert.Empty(stdout.ToString());
    }

    [Fact]
    public void Help_PrintsUsageAndExits0()
    {
        var stdout = new StringWriter();
        Assert.Equal(0, ServeCommand.Run(["--help"], stdout, new StringWriter()));
        Assert.Contains("--no-flood-limits", stdout.ToString());
    }

    [Fact]
    public void Load_CommandLineOverridesConfigFile()
    {
        var config = Path.Combine(_dir, "parley.json");
        File.WriteAllText(config, """
            {
              "Server": {
                "Name": "from.config",
                "Listen": [ "127.0.0.1:7000", "[::1]:7000" ],
                "Flood": { "Burst": 3 },
                "Limits": { "NickLength": 12 }
              }
            }
            """);
        var parsed = ServeCommand.Parse(["--config", config, "--name", "from.cli", "--listen", "127.0.0.1:7001", "--no-flood-limits"]);
        var options = ServeCommand.Load(parsed);
        Assert.Equal("from.cli", options.Name);
        Assert.Equal(["127.0.0.1:7001"], options.Listen);
        Assert.False(options.Flood.Enabled);
        Assert.Equal(3, options.Flood.Burst);
        Assert.Equal(12, options.Limits.NickLength);
    }

    [Fact]
    public void Load_NoHistory_TurnsHistoryOff_AndRetentionIsValidated()
    {
        Assert.True(ServeCommand.Load(ServeCommand.Parse([])).History.Enabled);
        Assert.False(ServeCommand.Load(ServeCommand.Parse(["--no-history"])).History.Enabled);
        var config = Path.Combine(_dir, "history.json");
        File.WriteAllText(config, """{ "Server": { "History": { "MaxAgeDays": 7, "MaxMessagesPerTarget": 500 } } }""");
        var options = ServeCommand.Load(ServeCommand.Parse(["--config", config]));
        Assert.Equal(7, options.History.MaxAgeDays);
        Assert.Equal(TimeSpan.FromDays(7), options.History.EffectiveMaxAge);
        Assert.Equal(500, options.History.MaxMessagesPerTarget);
        File.WriteAllText(config, """{ "Server": { "History": { "QueryLimit": 0 } } }""");
        var ex = Assert.Throws<OptionsException>(() => ServeCommand.Load(ServeCommand.Parse(["--config", config])));
        Assert.Contains("Server:History", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_HistoryMaxAge_MayBeShorterThanADay_AndDefaultsToThirtyDays()
    {
        Assert.Equal(TimeSpan.FromDays(30), ServeCommand.Load(ServeCommand.Parse([])).History.EffectiveMaxAge);
        var config = Path.Combine(_dir, "history.json");
        File.WriteAllText(config, """{ "Server": { "History": { "MaxAge": "00:01:30" } } }""");
        Assert.Equal(TimeSpan.FromSeconds(90), ServeCommand.Load(ServeCommand.Parse(["--config", config])).History.EffectiveMaxAge);
        File.WriteAllText(config, """{ "Server": { "History": { "MaxAge": "0" } } }""");
        Assert.Equal(TimeSpan.Zero, ServeCommand.Load(ServeCommand.Parse(["--config", config])).History.EffectiveMaxAge);
        File.WriteAllText(config, """{ "Server": { "History": { "MaxAge": "-00:01:00" } } }""");
        Assert.Throws<OptionsException>(() => ServeCommand.Load(ServeCommand.Parse(["--config", config])));
        File.WriteAllText(config, """{ "Server": { "History": { "MaxAge": "1.00:00:00", "MaxAgeDays": 2 } } }""");
        var ex = Assert.Throws<OptionsException>(() => ServeCommand.Load(ServeCommand.Parse(["--config", config])));
        Assert.Contains("MaxAge", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ClusterProbeTimeout_DefaultsToOneSecond_AndIsValidated()
    {
        Assert.Equal(TimeSpan.FromSeconds(1), ServeCommand.Load(ServeCommand.Parse([])).Cluster.ProbeTimeout);
        var config = Path.Combine(_dir, "cluster.json");
        File.WriteAllText(config, """{ "Server": { "Cluster": { "ProbeTimeout": "00:00:15" } } }""");
        Assert.Equal(TimeSpan.FromSeconds(15), ServeCommand.Load(ServeCommand.Parse(["--config", config])).Cluster.ProbeTimeout);
        File.WriteAllText(config, """{ "Server": { "Cluster": { "ProbeTimeout": "00:00:00.01" } } }""");
        var ex = Assert.Throws<OptionsException>(() => ServeCommand.Load(ServeCommand.Parse(["--config", config])));
        Assert.Contains("ProbeTimeout", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ConfigListenReplacesDefaultInsteadOfAppending()
    {
        var config = Path.Combine(_dir, "parley.json");
        File.WriteAllText(config, """{ "Server": { "Listen": [ "127.0.0.1:7000" ] } }""");
        var options = ServeCommand.Load(ServeCommand.Parse(["--config", config]));
        Assert.Equal(["127.0.0.1:7000"], options.Listen);
    }

    [Fact]
    public void Load_UnknownConfigKey_IsAClearError()
    {
        var config = Path.Combine(_dir, "parley.json");
        File.WriteAllText(config, """{ "Server": { "Nmae": "typo.org" } }""");
        var ex = Assert.Throws<OptionsException>(() => ServeCommand.Load(ServeCommand.Parse(["--config", config])));
        Assert.Contains("Nmae", ex.Message);
    }

    [Fact]
    public void Load_MalformedJson_IsAClearError()
    {
        var config = Path.Combine(_dir, "parley.json");
        File.WriteAllText(config, """{ "Server": { "Name": """);
        var ex = Assert.Throws<OptionsException>(() => ServeCommand.Load(ServeCommand.Parse(["--config", config])));
        Assert.Contains("cannot read config file", ex.Message);
    }

    [Fact]
    public void Load_OperatorWithPlainPassword_IsRejected()
    {
        var config = Path.Combine(_dir, "parley.json");
        File.WriteAllText(config, """{ "Server": { "Operators": [ { "Name": "root", "PasswordHash": "hunter2" } ] } }""");
        var ex = Assert.Throws<OptionsException>(() => ServeCommand.Load(ServeCommand.Parse(["--config", config])));
        Assert.Contains("mkpasswd", ex.Message);
    }

    [Fact]
    public void Load_OperatorWithHash_IsAccepted()
    {
        var hash = PasswordHash.Create("secret", iterations: 1000);
        var config = Path.Combine(_dir, "parley.json");
        File.WriteAllText(config, $$"""{ "Server": { "Operators": [ { "Name": "root", "PasswordHash": "{{hash}}" } ] } }""");
        var options = ServeCommand.Load(ServeCommand.Parse(["--config", config]));
        var op = Assert.Single(options.Operators);
        Assert.True(PasswordHash.Verify("secret", op.PasswordHash));
        Assert.False(PasswordHash.Verify("Secret", op.PasswordHash));
    }

    [Fact]
    public void Load_Defaults_AreTheDocumentedOnes()
    {
        var options = ServeCommand.Load(ServeCommand.Parse([]));
        Assert.Equal(["localhost:6667"], options.Listen);
        Assert.Equal("parley-data", options.DataDir);
        Assert.True(options.Flood.Enabled);
    }

    [Fact]
    public void Load_HttpDefaults_WebClientOnLocalhost8080_MetricsOn()
    {
        var options = ServeCommand.Load(ServeCommand.Parse([]));
        Assert.True(options.Http.Enabled);
        Assert.Equal([ServeCommand.DefaultHttpListen], options.Http.Listen);
        Assert.Equal("localhost:8080", ServeCommand.DefaultHttpListen);
        // The default may be skipped when taken; an address asked for may not.
        Assert.True(options.Http.ListenIfFree);
        Assert.False(ServeCommand.Load(ServeCommand.Parse(["--http-listen", "localhost:8080"])).Http.ListenIfFree);
        Assert.Empty(options.Http.WebSocketListen);
        Assert.Empty(options.Http.WebSocketOrigins);
        Assert.Empty(options.Http.TrustedProxies);
        Assert.True(options.Metrics.Enabled);
        Assert.Empty(options.Metrics.Listen);
    }

    [Fact]
    public void Load_HttpOptions_FromTheCommandLine()
    {
        var options = ServeCommand.Load(ServeCommand.Parse([
            "--http-listen", "127.0.0.1:18080", "--http-listen", "[::1]:18080",
            "--websocket", "127.0.0.1:18081",
            "--ws-origin", "https://chat.example.org", "--ws-origin", "https://*.example.net",
            "--trusted-proxy", "10.0.0.0/8",
            "--metrics-listen", "127.0.0.1:19090", "--no-metrics", "--no-http",
        ]));
        Assert.Equal(["127.0.0.1:18080", "[::1]:18080"], options.Http.Listen);
        Assert.Equal(["127.0.0.1:18081"], options.Http.WebSocketListen);
        Assert.Equal(["https://chat.example.org", "https://*.example.net"], options.Http.WebSocketOrigins);
        Assert.Equal(["10.0.0.0/8"], options.Http.TrustedProxies);
        Assert.Equal(["127.0.0.1:19090"], options.Metrics.Listen);
        Assert.False(options.Metrics.Enabled);
        Assert.False(options.Http.Enabled);
    }

    [Fact]
    public void Load_HttpLists_FromTheConfigFile_ReplaceTheDefault()
    {
        var config = Path.Combine(_dir, "http.json");
        File.WriteAllText(config, """{ "Server": { "Http": { "Listen": [ "127.0.0.1:18090" ], "WebSocketOrigins": [ "*" ] }, "Metrics": { "Listen": [ "127.0.0.1:19091" ] } } }""");
        var options = ServeCommand.Load(ServeCommand.Parse(["--config", config]));
        Assert.Equal(["127.0.0.1:18090"], options.Http.Listen);
        Assert.Equal(["*"], options.Http.WebSocketOrigins);
        Assert.Equal(["127.0.0.1:19091"], options.Metrics.Listen);
    }

    [Fact]
    public void PortIsFree_IsFalseForABoundPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        Assert.False(ServeCommand.PortIsFree($"127.0.0.1:{port}"));
        listener.Stop();
        Assert.True(ServeCommand.PortIsFree($"127.0.0.1:{port}"));
    }

    [Theory]
    [InlineData("127.0.0.1:6667", "127.0.0.1", 6667)]
    [InlineData("[::1]:6697", "::1", 6697)]
    [InlineData("localhost:0", "localhost", 0)]
    [InlineData("*:6667", "*", 6667)]
    public void ListenEndpoint_Parses(string text, string host, int port)
    {
        Assert.True(ListenEndpoint.TryParse(text, out var ep, out _));
        Assert.Equal(host, ep.Host);
        Assert.Equal(port, ep.Port);
    }

    [Fact]
    public void ClusterOptions_FromTheCommandLine()
    {
        var single = ServeCommand.Load(ServeCommand.Parse([]));
        Assert.False(single.Cluster.Enabled);
        var node = ServeCommand.Load(ServeCommand.Parse(["--cluster", "Host=db;Database=parley", "--silo-listen", "127.0.0.2:12000"]));
        Assert.True(node.Cluster.Enabled);
        Assert.Equal("Host=db;Database=parley", node.Cluster.ConnectionString);
        Assert.Equal("127.0.0.2:12000", node.Cluster.SiloListen);
        Assert.Equal("parley", node.Cluster.ClusterId);
    }

    [Fact]
    public void SampleConfig_InDocs_LoadsAndMatchesTheDefaults()
    {
        var sample = Path.Combine(RepoRoot(), "docs", "parley.sample.json");
        var options = ServeCommand.Load(ServeCommand.Parse(["--config", sample]));
        var defaults = new ServerOptions();
        Assert.Equal(defaults.Listen, options.Listen);
        Assert.Equal(defaults.Name, options.Name);
        Assert.Equal(defaults.Flood, options.Flood);
        Assert.Equal(defaults.Limits, options.Limits);
        Assert.Equal(defaults.Admin, options.Admin);
        Assert.Equal(defaults.Cluster, options.Cluster);
        Assert.Empty(options.Operators);
        Assert.Equal([ServeCommand.DefaultHttpListen], options.Http.Listen);
        Assert.True(options.Http.Enabled);
        Assert.Empty(options.Http.WebSocketListen);
        Assert.Empty(options.Http.WebSocketOrigins);
        Assert.Empty(options.Http.TrustedProxies);
        Assert.Equal(defaults.Metrics.Enabled, options.Metrics.Enabled);
        Assert.Equal(defaults.Accounts.Multiclient, options.Accounts.Multiclient);
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Parley.slnx")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("Parley.slnx not found above the test directory.");
    }
}
