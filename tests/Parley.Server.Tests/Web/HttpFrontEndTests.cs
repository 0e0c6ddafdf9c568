using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Parley.Server.Connections;
using Parley.Server.Hosting;
using Parley.Server.Tests.Infrastructure;
using Parley.Server.Web;

namespace Parley.Server.Tests.Web;

/// <summary>The HTTP front end's answers, on in-memory requests.</summary>
public sealed class HttpFrontEndTests
{
    /// <summary>This test assembly embeds a stand-in web client under web/ (see the .csproj).</summary>
    private static readonly WebAssets Built = new(typeof(HttpFrontEndTests).Assembly);

    /// <summary>An assembly with no web/ resources: the client was not built.</summary>
    private static readonly WebAssets NotBuilt = new(typeof(Protocol.IrcParser).Assembly);

    private sealed class FailingCheck(string reason) : IReadinessCheck
    {
        public string Name => "failing";
        public Task<string?> CheckAsync(CancellationToken cancellationToken) => Task.FromResult<string?>(reason);
    }

    private static HttpFrontEnd FrontEnd(TestServer server, WebAssets assets, params IReadinessCheck[] extra)
    {
        var ws = new WebSocketEndpoint(server.Context, new IrcConnectionHandler(server.Context), NullLogger<WebSocketEndpoint>.Instance);
        IReadinessCheck[] checks = [new AccountStoreCheck(server.Context), new HistoryStoreCheck(server.Context), .. extra];
        return new HttpFrontEnd(server.Context, ws, assets, checks, NullLogger<HttpFrontEnd>.Instance);
    }

    private static async Task<(int Status, string Body, HttpResponse Response)> GetAsync(HttpFrontEnd frontEnd, string path, HttpRole role = HttpRole.Web, string method = "GET", string? ifNoneMatch = null)
    {
        var context = new DefaultHttpContext();
        context.Features.Set(new HttpRoleFeature(role));
        context.Request.Method = method;
        context.Request.Path = path;
        if (ifNoneMatch is not null)
        {
            context.Request.Headers.IfNoneMatch = ifNoneMatch;
        }
        var body = new MemoryStream();
        context.Response.Body = body;
        await frontEnd.InvokeAsync(context);
        return (context.Response.StatusCode, System.Text.Encoding.UTF8.GetString(body.ToArray()), context.Response);
    }

    [Fact]
    public async Task Healthz_IsOk_OnEveryListener()
    {
        await using var server = new TestServer();
        foreach (var role in Enum.GetValues<HttpRole>())
        {
            var (status, body, _) = await GetAsync(FrontEnd(server, NotBuilt), "/healthz", role);
            Assert.Equal(200, status);
            Assert.Equal("ok\n", body);
        }
    }

    [Fact]
    public async Task Readyz_ChecksEachStore()
    {
        await using var server = new TestServer();
        var (status, body, _) = await GetAsync(FrontEnd(server, NotBuilt), "/readyz");
        Assert.Equal(200, status);
        Assert.Equal("ready\naccounts: ok\nhistory: ok\n", body);
    }

    [Fact]
    public async Task Readyz_AFailingCheck_Is503WithTheReason()
    {
        await using var server = new TestServer();
        var (status, body, _) = await GetAsync(FrontEnd(server, NotBuilt, new FailingCheck("the node has not joined")), "/readyz");
        Assert.Equal(503, status);
        Assert.StartsWith("not ready\n", body);
        Assert.Contains("failing: failed: the node has not joined", body);
        Assert.Contains("accounts: ok", body);
    }

    [Fact]
    public async Task Readyz_AStoreWhoseFileIsGone_Is503()
    {
        await using var server = new TestServer();
        server.Context.History!.Dispose();
        foreach (var file in Directory.GetFiles(server.DataDir, "history.db*"))
        {
            File.Delete(file);
        }
        var (status, body, _) = await GetAsync(FrontEnd(server, NotBuilt), "/readyz");
        Assert.Equal(503, status);
        Assert.Contains("history: failed", body);
    }

    [Fact]
    public async Task Root_WithoutABuiltClient_SaysSoPlainly()
    {
        await using var server = new TestServer();
        var (status, body, response) = await GetAsync(FrontEnd(server, NotBuilt), "/");
        Assert.Equal(404, status);
        Assert.Contains("web client was not built", body);
        Assert.StartsWith("text/plain", response.ContentType);
    }

    [Fact]
    public async Task Root_IsIndexHtml_RevalidatedEveryTime()
    {
        await using var server = new TestServer();
        var (status, body, response) = await GetAsync(FrontEnd(server, Built), "/");
        Assert.Equal(200, status);
        Assert.Contains("<title>Parley test</title>", body);
        Assert.Equal("text/html; charset=utf-8", response.ContentType);
        Assert.Equal(WebAssets.RevalidateCacheControl, response.Headers.CacheControl.ToString());
        Assert.False(string.IsNullOrEmpty(response.Headers.ETag));
    }

    [Fact]
    public async Task Pages_HaveAContentSecurityPolicy_NoFraming_NoSniffing()
    {
        await using var server = new TestServer();
        var (_, _, response) = await GetAsync(FrontEnd(server, Built), "/");
        var csp = response.Headers.ContentSecurityPolicy.ToString();
        Assert.Contains("default-src 'none'", csp);
        Assert.Contains("script-src 'self';", csp);
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.Contains("connect-src 'self'", csp);
        Assert.DoesNotContain("unsafe", csp);
        Assert.Equal("DENY", response.Headers.XFrameOptions.ToString());
        Assert.Equal("nosniff", response.Headers.XContentTypeOptions.ToString());
        // A Host that would break out of the header is not echoed into it.
        Assert.DoesNotContain("ws://", WebAssets.ContentSecurityPolicy("evil; script-src *"));
        Assert.Contains("ws://chat.example:8080 wss://chat.example:8080", WebAssets.ContentSecurityPolicy("chat.example:8080"));
    }

    [Theory]
    [InlineData("/app-5HDT2ZKQ.js", "text/javascript; charset=utf-8", WebAssets.ImmutableCacheControl)]
    [InlineData("/css/site.css", "text/css; charset=utf-8", WebAssets.RevalidateCacheControl)]
    public async Task Assets_HaveTheirTypeAndCaching(string path, string type, string cacheControl)
    {
        await using var server = new TestServer();
        var (status, _, response) = await GetAsync(FrontEnd(server, Built), path);
        Assert.Equal(200, status);
        Assert.Equal(type, response.ContentType);
        Assert.Equal(cacheControl, response.Headers.CacheControl.ToString());
        Assert.Equal("nosniff", response.Headers.XContentTypeOptions.ToString());
    }

    [Fact]
    public async Task MatchingETag_Is304WithNoBody()
    {
        await using var server = new TestServer();
        var frontEnd = FrontEnd(server, Built);
        var (_, _, first) = await GetAsync(frontEnd, "/");
        var (status, body, _) = await GetAsync(frontEnd, "/", ifNoneMatch: first.Headers.ETag.ToString());
        Assert.Equal(304, status);
        Assert.Empty(body);
    }

    [Theory]
    [InlineData("/missing.js", 404)]
    [InlineData("/some/client/route", 200)]
    public async Task UnknownPaths_FilesAre404_RoutesAreTheClient(string path, int expected)
    {
        await using var server = new TestServer();
        var (status, _, _) = await GetAsync(FrontEnd(server, Built), path);
        Assert.Equal(expected, status);
    }

    [Fact]
    public async Task Post_Is405()
    {
        await using var server = new TestServer();
        var (status, _, response) = await GetAsync(FrontEnd(server, Built), "/", method: "POST");
        Assert.Equal(405, status);
        Assert.Equal("GET, HEAD", response.Headers.Allow.ToString());
    }

    [Fact]
    public async Task WebSocketListener_AnswersPlainRequestsWith426()
    {
        await using var server = new TestServer();
        var (status, body, _) = await GetAsync(FrontEnd(server, Built), "/", HttpRole.WebSocket);
        Assert.Equal(426, status);
        Assert.Contains("IRC over WebSocket", body);
    }

    [Fact]
    public async Task MetricsListener_ServesNoWebClient()
    {
        await using var server = new TestServer();
        var (status, _, _) = await GetAsync(FrontEnd(server, Built), "/", HttpRole.Metrics);
        Assert.Equal(404, status);
    }

    [Theory]
    [InlineData("/metrics", HttpRole.Web, false, true)]
    [InlineData("/metrics", HttpRole.Metrics, false, false)]
    [InlineData("/metrics", HttpRole.Web, true, false)]
    [InlineData("/metrics", HttpRole.Metrics, true, true)]
    [InlineData("/metrics", HttpRole.WebSocket, false, false)]
    [InlineData("/other", HttpRole.Web, false, false)]
    public void ServesMetrics_WhereConfigured(string path, HttpRole role, bool ownListener, bool expected)
    {
        var context = new DefaultHttpContext();
        context.Features.Set(new HttpRoleFeature(role));
        context.Request.Path = path;
        var options = new MetricsOptions { Listen = ownListener ? ["127.0.0.1:0"] : [] };
        Assert.Equal(expected, HttpFrontEnd.ServesMetrics(context, options));
        Assert.False(HttpFrontEnd.ServesMetrics(context, options with { Enabled = false }));
    }

    [Theory]
    [InlineData("app-5HDT2ZKQ.js", true)]
    [InlineData("assets/index-BIkNnD8c.css", true)]
    [InlineData("chunk.a1b2c3d4e5.js", true)]
    [InlineData("index.html", false)]
    [InlineData("app.js", false)]
    [InlineData("index-settings.js", false)]
    [InlineData("app-1234.js", false)]
    public void IsHashedName(string path, bool expected) => Assert.Equal(expected, WebAssets.IsHashedName(path));

}
