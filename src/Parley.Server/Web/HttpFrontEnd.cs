using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Parley.Server.Hosting;

namespace Parley.Server.Web;

/// <summary>What a listener serves over HTTP (set on each connection by its listener).</summary>
public enum HttpRole
{
    /// <summary><c>--http-listen</c> (and HTTPS on a TLS listener): the web client, IRC over WebSocket, health, metrics.</summary>
    Web,

    /// <summary><c>--websocket</c>: IRC over WebSocket and health only.</summary>
    WebSocket,

    /// <summary><c>--metrics-listen</c>: metrics and health only.</summary>
    Metrics,
}

/// <summary>The connection feature that tells requests which listener they came through.</summary>
public sealed record HttpRoleFeature(HttpRole Role);

/// <summary>
/// Every HTTP request ends here (after the WebSocket middleware and the metrics endpoint):
/// WebSocket upgrades on any path go to the IRC transport; <c>/healthz</c>, <c>/readyz</c>;
/// the web client's files. A singleton.
/// </summary>
public sealed partial class HttpFrontEnd(ServerContext server, WebSocketEndpoint webSockets, WebAssets assets, IEnumerable<IReadinessCheck> checks, ILogger<HttpFrontEnd> logger)
{
    public const string HealthPath = "/healthz";
    public const string ReadyPath = "/readyz";
    public const string MetricsPath = "/metrics";

    private readonly IReadinessCheck[] _checks = [.. checks];

    /// <summary>How long one readiness check may take before it counts as failed.</summary>
    public static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(2);

    public static HttpRole RoleOf(HttpContext context) => context.Features.Get<HttpRoleFeature>()?.Role ?? HttpRole.Web;

    /// <summary>Whether this request is a scrape this listener serves (metrics on, and here rather than on a listener of their own).</summary>
    public static bool ServesMetrics(HttpContext context, MetricsOptions metrics)
    {
        if (!metrics.Enabled || context.Request.Path != MetricsPath)
        {
            return false;
        }
        var role = RoleOf(context);
        return metrics.Listen.Count > 0 ? role == HttpRole.Metrics : role == HttpRole.Web;
    }

    public Task InvokeAsync(HttpContext context)
    {
        var role = RoleOf(context);
        if (context.WebSockets.IsWebSocketRequest && role != HttpRole.Metrics)
        {
            // Refused by the connection limits: told so in IRC (an ERROR line) by the endpoint.
            return webSockets.HandleAsync(context);
        }
        if (context.Features.Get<HttpConnectionAdmission>() is { RefusedBecause: { } refused })
        {
            context.Response.Headers.Connection = "close";
            context.Response.Headers.RetryAfter = "60";
            return PlainAsync(context, StatusCodes.Status503ServiceUnavailable, refused);
        }
        var path = context.Request.Path.Value ?? "/";
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            context.Response.Headers.Allow = "GET, HEAD";
            return PlainAsync(context, StatusCodes.Status405MethodNotAllowed, "Only GET and HEAD are served here.");
        }
        if (path == HealthPath)
        {
            // The process is up and serving requests: nothing more is checked (that is /readyz).
            return PlainAsync(context, StatusCodes.Status200OK, "ok");
        }
        if (path == ReadyPath)
        {
            return ReadyAsync(context);
        }
        if (role == HttpRole.WebSocket)
        {
            context.Response.Headers.Upgrade = "websocket";
            return PlainAsync(context, StatusCodes.Status426UpgradeRequired, "This port speaks IRC over WebSocket (subprotocols text.ircv3.net, binary.ircv3.net).");
        }
        if (role == HttpRole.Metrics)
        {
            return PlainAsync(context, StatusCodes.Status404NotFound, server.Options.Metrics.Enabled ? "Not found: this port serves /metrics, /healthz and /readyz." : "Not found: metrics are turned off.");
        }
        if (path == MetricsPath)
        {
            return PlainAsync(context, StatusCodes.Status404NotFound, server.Options.Metrics.Enabled ? "Not found: metrics are served on their own listener (Server:Metrics:Listen)." : "Not found: metrics are turned off (Server:Metrics:Enabled).");
        }
        if (!assets.HasClient)
        {
            return PlainAsync(context, StatusCodes.Status404NotFound,
                "The web client was not built into this server. Build it (see docs/web.md: `npm ci && npm run build` in web/, or `dotnet build`, which runs it when npm is installed) and start the server again. IRC over WebSocket works on this port all the same.");
        }
        if (assets.Find(path) is { } asset)
        {
            return WebAssets.ServeAsync(context, asset);
        }
        return PlainAsync(context, StatusCodes.Status404NotFound, "Not found.");
    }

    private async Task ReadyAsync(HttpContext context)
    {
        var body = new StringBuilder();
        var ready = true;
        foreach (var check in _checks)
        {
            string? failure;
            try
            {
                failure = await check.CheckAsync(context.RequestAborted).WaitAsync(CheckTimeout, server.Time, context.RequestAborted);
            }
            catch (TimeoutException)
            {
                failure = $"no answer within {CheckTimeout.TotalSeconds:0} s";
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
            {
                failure = ex.Message;
            }
            if (failure is not null)
            {
                ready = false;
                LogNotReady(check.Name, failure);
            }
            body.Append(check.Name).Append(": ").Append(failure is null ? "ok" : "failed: " + failure).Append('\n');
        }
        await PlainAsync(context, ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable, (ready ? "ready\n" : "not ready\n") + body.ToString().TrimEnd('\n'));
    }

    private static Task PlainAsync(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : context.Response.WriteAsync(text + "\n", context.RequestAborted);
    }

    [LoggerMessage(EventId = 320, Level = LogLevel.Warning, Message = "Not ready: {Check} failed: {Reason}")]
    private partial void LogNotReady(string check, string reason);
}
