using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Parley.Protocol;
using Parley.Server.Hosting;
using Parley.Server.Security;
using Parley.Server.Storage;
using Parley.Server.Tests.Infrastructure;
using Parley.Server.Tests.Operators;

namespace Parley.Server.Tests.Security;

/// <summary>The TLS listener end to end: handshake, certfp, STS, certificate reload on REHASH.</summary>
public sealed class TlsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("parley-tls-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>The test certificates are self-signed: the server must present one, that is all.</summary>
    private static bool SelfSignedIsFine(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
        => certificate is not null && (errors & SslPolicyErrors.RemoteCertificateNotAvailable) == 0;

    /// <summary>Writes a self-signed pair for <paramref name="name"/>; returns the paths.</summary>
    private (string Cert, string Key) WritePair(string name, string prefix = "server")
    {
        var (certPem, keyPem) = TlsCertificate.CreateSelfSigned([name, "127.0.0.1"], TimeSpan.FromDays(1), DateTimeOffset.UtcNow);
        var cert = Path.Combine(_dir, prefix + "-cert.pem");
        var key = Path.Combine(_dir, prefix + "-key.pem");
        AtomicFile.Write(cert, certPem, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        AtomicFile.Write(key, keyPem, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return (cert, key);
    }

    private ServerOptions TlsOptions(ServerOptions? baseOptions = null)
    {
        var (cert, key) = WritePair("irc.test");
        baseOptions ??= new ServerOptions();
        return baseOptions with { Tls = new TlsOptions { Listen = ["127.0.0.1:0"], Certificate = cert, Key = key } };
    }

    /// <summary>A line client over TLS, accepting the self-signed certificate, optionally presenting one.</summary>
    private sealed class TlsLineClient : IAsyncDisposable
    {
        private readonly TcpClient _tcp;
        private readonly SslStream _ssl;
        private readonly StreamReader _reader;

        private TlsLineClient(TcpClient tcp, SslStream ssl)
        {
            _tcp = tcp;
            _ssl = ssl;
            _reader = new StreamReader(ssl, Encoding.UTF8);
        }

        public X509Certificate? ServerCertificate => _ssl.RemoteCertificate;

        /// <summary>The test certificates are self-signed (and renewed under other names): the server must present one, that is all.</summary>
        private static bool SelfSignedIsFine(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
            => certificate is not null && (errors & SslPolicyErrors.RemoteCertificateNotAvailable) == 0;

        public static async Task<TlsLineClient> ConnectAsync(System.Net.IPEndPoint endpoint, X509Certificate2? clientCertificate = null)
        {
            var tcp = new TcpClient(AddressFamily.InterNetwork);
            await tcp.ConnectAsync(endpoint);
            var ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
            using var cts = new CancellationTokenSource(TestClient.DefaultTimeout);
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "irc.test",
                ClientCertificates = clientCertificate is null ? null : [clientCertificate],
                RemoteCertificateValidationCallback = SelfSignedIsFine,
            }, cts.Token);
            return new TlsLineClient(tcp, ssl);
        }

        public async Task SendAsync(string line) => await _ssl.WriteAsync(Encoding.UTF8.GetBytes(line + "\r\n"));

        /// <summary>Reads lines until one has <paramref name="command"/> as its command; returns all read.</summary>
        public Task<List<IrcMessage>> ReadUntilAsync(string command) => ReadUntilAsync(c => c == command);

        /// <summary>Reads lines until one's command passes <paramref name="done"/>; returns all read.</summary>
        public async Task<List<IrcMessage>> ReadUntilAsync(Func<string, bool> done)
        {
            using var cts = new CancellationTokenSource(TestClient.DefaultTimeout);
            var all = new List<IrcMessage>();
            while (await _reader.ReadLineAsync(cts.Token) is { } line)
            {
                var m = IrcParser.Parse(line);
                all.Add(m);
                if (done(m.Command))
                {
                    return all;
                }
            }
            throw new InvalidOperationException("connection closed first");
        }

        public async ValueTask DisposeAsync()
        {
            await _ssl.DisposeAsync();
            _tcp.Dispose();
        }
    }

    /// <summary>The capabilities of a CAP LS 302 reply, over as many lines as it takes ("CAP * LS * :…" until the last).</summary>
    private static async Task<List<string>> CapLsAsync(Func<Task<IrcMessage>> nextCapLine)
    {
        var caps = new List<string>();
        while (true)
        {
            var ls = await nextCapLine();
            caps.AddRange(ls.Parameters[^1].Split(' '));
            if (ls.Parameters.Count < 4 || ls.Parameters[2] != "*")
            {
                return caps;
            }
        }
    }

    private static async Task<List<IrcMessage>> RegisterAsync(TlsLineClient c, string nick)
    {
        await c.SendAsync($"NICK {nick}");
        await c.SendAsync($"USER {nick} 0 * :{nick}");
        return await c.ReadUntilAsync(Numerics.ERR_NOMOTD);
    }

    [Fact]
    public async Task TlsClient_Registers_AndWhoisSaysSecure_WithoutCertfp()
    {
        await using var server = await LoopbackServer.StartAsync(TlsOptions());
        Assert.NotNull(server.TlsEndPoint);
        await using var c = await TlsLineClient.ConnectAsync(server.TlsEndPoint);

        await RegisterAsync(c, "alice");
        await c.SendAsync("WHOIS alice");
        var whois = await c.ReadUntilAsync(Numerics.RPL_ENDOFWHOIS);

        Assert.Contains(whois, m => m.Command == Numerics.RPL_WHOISSECURE && m.Parameters[1] == "alice");
        Assert.DoesNotContain(whois, m => m.Command == Numerics.RPL_WHOISCERTFP);
    }

    [Fact]
    public async Task TlsListener_AlsoServesHttpsAndWss_ToClientsThatSpeakHttp()
    {
        await using var server = await LoopbackServer.StartAsync(TlsOptions());
        var ep = server.TlsEndPoint!;
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, certificate, _, errors) => certificate is not null && (errors & SslPolicyErrors.RemoteCertificateNotAvailable) == 0 };
        using var http = new HttpClient(handler) { Timeout = TestClient.DefaultTimeout };
        Assert.Equal("ok\n", await http.GetStringAsync($"https://{ep}/healthz"));

        using var ws = new System.Net.WebSockets.ClientWebSocket();
        ws.Options.RemoteCertificateValidationCallback = SelfSignedIsFine;
        ws.Options.AddSubProtocol("text.ircv3.net");
        using var cts = new CancellationTokenSource(TestClient.DefaultTimeout);
        await ws.ConnectAsync(new Uri($"wss://{ep}/"), cts.Token);
        await using var web = Web.WebSocketLineClient.Wrap(ws);
        await web.RegisterAsync("securews");
        await web.SendAsync("WHOIS securews");
        // 671 RPL_WHOISSECURE: the WebSocket came over TLS.
        await web.ExpectAsync(m => m.Command == Numerics.RPL_WHOISSECURE);

        // IRC over TLS on the same port, as before.
        await using var irc = await TlsLineClient.ConnectAsync(ep);
        await irc.SendAsync("NICK plainirc");
        await irc.SendAsync("USER plainirc 0 * :Plain");
        Assert.Contains(await irc.ReadUntilAsync(Numerics.RPL_WELCOME), m => m.Command == Numerics.RPL_WELCOME);
    }

    [Fact]
    public async Task ClientCertificate_IsCertfp_ShownToItsOwnerAndOperatorsOnly()
    {
        await using var server = await LoopbackServer.StartAsync(TlsOptions(Opers.Options()));
        var (clientCert, clientKey) = WritePair("alice", "client");
        using var certificate = TlsCertificate.Load(clientCert, clientKey);
        var fingerprint = TlsCertificate.Fingerprint(certificate);
        await using var alice = await TlsLineClient.ConnectAsync(server.TlsEndPoint!, certificate);
        await using var bob = await TlsLineClient.ConnectAsync(server.TlsEndPoint!);
        await using var oper = await TlsLineClient.ConnectAsync(server.TlsEndPoint!);
        await RegisterAsync(alice, "alice");
        await RegisterAsync(bob, "bob");
        await RegisterAsync(oper, "oper");
        await oper.SendAsync($"OPER {Opers.Name} :{Opers.Password}");
        await oper.ReadUntilAsync(Numerics.RPL_YOUREOPER);

        async Task<IrcMessage?> CertfpSeenByAsync(TlsLineClient c)
        {
            await c.SendAsync("WHOIS alice");
            return (await c.ReadUntilAsync(Numerics.RPL_ENDOFWHOIS)).SingleOrDefault(m => m.Command == Numerics.RPL_WHOISCERTFP);
        }

        var own = await CertfpSeenByAsync(alice);
        Assert.NotNull(own);
        Assert.Equal(["alice", "alice", $"has client certificate fingerprint {fingerprint}"], own.Parameters);
        Assert.Null(await CertfpSeenByAsync(bob));
        Assert.NotNull(await CertfpSeenByAsync(oper));
        Assert.Equal(64, fingerprint.Length);
    }

    [Fact]
    public async Task SaslExternal_LogsInWithARegisteredCertificate_AndRefusesOthers()
    {
        await using var server = await LoopbackServer.StartAsync(TlsOptions());
        var context = (ServerContext)server.App.Services.GetService(typeof(ServerContext))!;
        Assert.Equal(Storage.AccountResult.Ok, await context.Accounts.CreateAsync("alice", "correct horse"));
        var (aliceCert, aliceKey) = WritePair("alice", "alice");
        var (otherCert, otherKey) = WritePair("mallory", "mallory");
        using var alice = TlsCertificate.Load(aliceCert, aliceKey);
        using var other = TlsCertificate.Load(otherCert, otherKey);
        Assert.Equal(Storage.AccountResult.Ok, await context.Accounts.AddCertFpAsync("alice", TlsCertificate.Fingerprint(alice)));

        async Task<List<IrcMessage>> ExternalAsync(X509Certificate2? certificate, string authzid = "+")
        {
            await using var c = await TlsLineClient.ConnectAsync(server.TlsEndPoint!, certificate);
            await c.SendAsync("CAP LS 302");
            Assert.Contains("sasl=EXTERNAL,PLAIN,SCRAM-SHA-256", await CapLsAsync(async () => (await c.ReadUntilAsync("CAP"))[^1]));
            await c.SendAsync("CAP REQ sasl");
            await c.ReadUntilAsync("CAP");
            await c.SendAsync("AUTHENTICATE EXTERNAL");
            await c.ReadUntilAsync("AUTHENTICATE");
            await c.SendAsync("AUTHENTICATE " + authzid);
            return await c.ReadUntilAsync(command => command is Numerics.RPL_SASLSUCCESS or Numerics.ERR_SASLFAIL);
        }

        var ok = await ExternalAsync(alice);
        Assert.Equal(Numerics.RPL_SASLSUCCESS, ok[^1].Command);
        var named = await ExternalAsync(alice, Convert.ToBase64String("alice"u8));
        Assert.Equal(Numerics.RPL_SASLSUCCESS, named[^1].Command);
        Assert.Equal(Numerics.ERR_SASLFAIL, (await ExternalAsync(alice, Convert.ToBase64String("bob"u8)))[^1].Command);
        Assert.Equal(Numerics.ERR_SASLFAIL, (await ExternalAsync(other))[^1].Command);
        Assert.Equal(Numerics.ERR_SASLFAIL, (await ExternalAsync(null))[^1].Command);
    }

    [Fact]
    public async Task Sts_PlainTextGetsThePort_TlsGetsTheDuration()
    {
        await using var server = await LoopbackServer.StartAsync(TlsOptions());
        var (tcp, reader, stream) = await server.ConnectAsync();
        using (tcp)
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes("CAP LS 302\r\n"));
            using var cts = new CancellationTokenSource(TestClient.DefaultTimeout);
            var caps = await CapLsAsync(async () => IrcParser.Parse((await reader.ReadLineAsync(cts.Token))!));
            Assert.Contains($"sts=port={server.TlsEndPoint!.Port}", caps);
        }
        await using var secure = await TlsLineClient.ConnectAsync(server.TlsEndPoint!);
        await secure.SendAsync("CAP LS 302");
        var secureCaps = await CapLsAsync(async () => (await secure.ReadUntilAsync("CAP"))[^1]);
        Assert.Contains("sts=duration=2592000", secureCaps);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Sts_NotAdvertised_WithoutTls_OrWhenTurnedOff(bool tlsWithStsOff)
    {
        var options = new ServerOptions();
        if (tlsWithStsOff)
        {
            options = TlsOptions();
            options = options with { Tls = options.Tls with { Sts = false } };
        }
        await using var server = await LoopbackServer.StartAsync(options);
        var (tcp, reader, stream) = await server.ConnectAsync();
        using (tcp)
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes("CAP LS 302\r\n"));
            using var cts = new CancellationTokenSource(TestClient.DefaultTimeout);
            var caps = await CapLsAsync(async () => IrcParser.Parse((await reader.ReadLineAsync(cts.Token))!));
            Assert.Contains(caps, c => c.StartsWith("sasl", StringComparison.Ordinal));
            Assert.DoesNotContain(caps, c => c.StartsWith("sts", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Rehash_ReloadsTheCertificate_ForNewConnections()
    {
        var options = TlsOptions(Opers.Options());
        await using var server = await LoopbackServer.StartAsync(options, reload: () => options);
        await using var first = await TlsLineClient.ConnectAsync(server.TlsEndPoint!);
        var before = Convert.ToHexString(first.ServerCertificate!.GetCertHash());

        // Renewed in place, as a certificate manager would.
        var (renewedCert, renewedKey) = TlsCertificate.CreateSelfSigned(["renewed.test"], TimeSpan.FromDays(1), DateTimeOffset.UtcNow);
        AtomicFile.Write(options.Tls.Certificate!, renewedCert, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        AtomicFile.Write(options.Tls.Key!, renewedKey, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await RegisterAsync(first, "oper");
        await first.SendAsync($"OPER {Opers.Name} :{Opers.Password}");
        await first.ReadUntilAsync(Numerics.RPL_YOUREOPER);
        await first.SendAsync("REHASH");
        var rehash = await first.ReadUntilAsync("NOTICE");
        Assert.Contains(rehash, m => m.Command == Numerics.RPL_REHASHING);

        await using var second = await TlsLineClient.ConnectAsync(server.TlsEndPoint!);
        var after = Convert.ToHexString(second.ServerCertificate!.GetCertHash());
        Assert.NotEqual(before, after);
        Assert.Contains("renewed.test", second.ServerCertificate.Subject, StringComparison.Ordinal);
    }
}
