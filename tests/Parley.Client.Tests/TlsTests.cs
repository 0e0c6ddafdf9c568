using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Parley.Server.Hosting;
using Parley.Server.Security;

namespace Parley.Client.Tests;

/// <summary>The client over TLS to Parley's TLS listener with a self-signed certificate.</summary>
public sealed class TlsTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("parley-client-tls-").FullName;
    private WebApplication? _app;
    private int _port;
    private string _certPath = "";

    public async Task InitializeAsync()
    {
        var (certPem, keyPem) = TlsCertificate.CreateSelfSigned(["localhost", "127.0.0.1"], TimeSpan.FromDays(1), DateTimeOffset.UtcNow);
        _certPath = Path.Combine(_dir, "cert.pem");
        var keyPath = Path.Combine(_dir, "key.pem");
        await File.WriteAllTextAsync(_certPath, certPem);
        await File.WriteAllTextAsync(keyPath, keyPem);
        var options = new ServerOptions
        {
            Listen = ["127.0.0.1:0"],
            DataDir = Path.Combine(_dir, "data"),
            Tls = new TlsOptions { Listen = ["127.0.0.1:0"], Certificate = _certPath, Key = keyPath },
        };
        _app = ParleyServer.Build(options, logging: l => l.ClearProviders());
        await _app.StartAsync();
        _port = ParleyServer.BoundTlsEndpoints(_app)[0].Port;
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Tls_WithThePinnedSelfSignedCertificate_Registers()
    {
        await using var client = new IrcClient(new IrcClientOptions
        {
            Host = "127.0.0.1", Port = _port, Tls = true, Nick = "alice",
            TlsTrustedCertificate = PemCertificate.Load(_certPath),
            Reconnect = new ReconnectPolicy { Enabled = false },
        });
        var result = await client.StartAsync();
        Assert.True(result.Success, result.Error);
    }

    [Fact]
    public async Task Tls_WithoutTrust_RefusesTheSelfSignedCertificate()
    {
        await using var client = new IrcClient(new IrcClientOptions
        {
            Host = "127.0.0.1", Port = _port, Tls = true, Nick = "alice", Reconnect = new ReconnectPolicy { Enabled = false },
        });
        var result = await client.StartAsync();
        Assert.False(result.Success);
        Assert.NotNull(result.Error);
    }
}
