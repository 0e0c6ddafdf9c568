using Parley.Server.Security;

namespace Parley.Cli.Tests;

/// <summary><c>parley mkcert</c> and the TLS options of <c>parley serve</c>.</summary>
public sealed class TlsOptionsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("parley-cli-tls-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (int Code, string Out, string Err) Mkcert(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = MkcertCommand.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void Mkcert_WritesALoadablePair_KeyReadableByOwnerOnly()
    {
        var (code, output, _) = Mkcert("--data-dir", _dir, "--name", "irc.example.org", "--days", "30");

        Assert.Equal(0, code);
        var cert = Path.Combine(_dir, MkcertCommand.CertificateFile);
        var key = Path.Combine(_dir, MkcertCommand.KeyFile);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        }
        using var loaded = TlsCertificate.Load(cert, key);
        Assert.True(loaded.HasPrivateKey);
        Assert.Equal("CN=irc.example.org", loaded.Subject);
        Assert.InRange((loaded.NotAfter.ToUniversalTime() - DateTime.UtcNow).TotalDays, 29, 31);
        Assert.Contains(TlsCertificate.Fingerprint(loaded), output, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }

    [Fact]
    public void Mkcert_KeepsExistingFiles_UnlessForced()
    {
        Assert.Equal(0, Mkcert("--data-dir", _dir).Code);
        var before = File.ReadAllText(Path.Combine(_dir, MkcertCommand.CertificateFile));

        var again = Mkcert("--data-dir", _dir);
        Assert.Equal(1, again.Code);
        Assert.Contains("--force", again.Err, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(Path.Combine(_dir, MkcertCommand.CertificateFile)));

        Assert.Equal(0, Mkcert("--data-dir", _dir, "--force").Code);
        Assert.NotEqual(before, File.ReadAllText(Path.Combine(_dir, MkcertCommand.CertificateFile)));
    }

    [Theory]
    [InlineData("--days", "0")]
    [InlineData("--days", "x")]
    [InlineData("--bogus")]
    [InlineData("--cert")]
    public void Mkcert_BadOption_Exits2(params string[] args)
    {
        var (code, _, err) = Mkcert(args);
        Assert.Equal(2, code);
        Assert.StartsWith("parley mkcert: ", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Serve_TlsWithoutCertificate_SaysToRunMkcert_AndExits2()
    {
        var stderr = new StringWriter();
        var code = ServeCommand.Run(["--data-dir", _dir, "--listen", "127.0.0.1:0", "--tls-listen", "127.0.0.1:0"], new StringWriter(), stderr);

        Assert.Equal(2, code);
        var line = Assert.Single(stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("parley serve: TLS certificate file", line, StringComparison.Ordinal);
        Assert.Contains("parley mkcert", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Serve_TlsWithGarbageCertificate_Exits2()
    {
        var cert = Path.Combine(_dir, "cert.pem");
        var key = Path.Combine(_dir, "key.pem");
        File.WriteAllText(cert, "not a certificate");
        File.WriteAllText(key, "not a key");
        var stderr = new StringWriter();

        var code = ServeCommand.Run(["--data-dir", _dir, "--tls-listen", "127.0.0.1:0", "--tls-cert", cert, "--tls-key", key], new StringWriter(), stderr);

        Assert.Equal(2, code);
        Assert.StartsWith("parley serve: cannot load the TLS certificate", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TlsListenFromCommandLine_DefaultsToTheMkcertPairInTheDataDir()
    {
        Assert.Equal(0, Mkcert("--data-dir", _dir).Code);

        var options = ServeCommand.Load(ServeCommand.Parse(["--data-dir", _dir, "--tls-listen", "127.0.0.1:6697", "--tls-listen", "[::1]:6697"]));

        Assert.Equal(["127.0.0.1:6697", "[::1]:6697"], options.Tls.Listen);
        Assert.Equal(Path.Combine(_dir, MkcertCommand.CertificateFile), options.Tls.Certificate);
        Assert.Equal(Path.Combine(_dir, MkcertCommand.KeyFile), options.Tls.Key);
        Assert.True(options.Tls.Sts);
    }
}
