using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Parley.Protocol;
using Parley.Server.Connections;
using Parley.Server.Hosting;
using Parley.Server.Security;

namespace Parley.Server.Web;

/// <summary>
/// IRC over WebSocket (https://ircv3.net/specs/extensions/websocket): checks the Origin,
/// chooses the subprotocol, finds the client's address (trusted proxies), accepts the upgrade
/// and runs the same IRC connection as the TCP listeners over a <see cref="WebSocketPipe"/>.
/// </summary>
/// <remarks>A singleton; options are read per request, so REHASH applies to the next upgrade.</remarks>
public sealed partial class WebSocketEndpoint(ServerContext server, IrcConnectionHandler irc, ILogger<WebSocketEndpoint> logger)
{
    public const string TextProtocol = "text.ircv3.net";
    public const string BinaryProtocol = "binary.ircv3.net";

    // The parsed TrustedProxies of the options in force (one reference: replaced whole on REHASH).
    private sealed record ParsedProxies(HttpOptions For, IPNetwork[] Networks);
    private ParsedProxies? _proxies;

    public async Task HandleAsync(HttpContext context)
    {
        var http = server.Options.Http;
        var origin = context.Request.Headers.Origin.ToString();
        if (!OriginAllowed(origin, context.Request.Host.Value, http.WebSocketOrigins))
        {
            LogBadOrigin(origin);
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync($"WebSocket origin '{origin}' is not allowed on this server (Server:Http:WebSocketOrigins, --ws-origin)\n");
            return;
        }
        var protocol = ChooseSubprotocol(context.WebSockets.WebSocketRequestedProtocols);
        var peer = context.Connection.RemoteIpAddress ?? IPAddress.None;
        var trusted = TrustedProxies(http);
        var address = ForwardedAddress.Resolve(peer, context.Request.Headers["Forwarded"], context.Request.Headers["X-Forwarded-For"], trusted);
        var remote = new IPEndPoint(address, address.Equals(peer) ? context.Connection.RemotePort : 0);
        TransportSecurity? security = null;
        if (context.Request.IsHttps)
        {
            var certificate = context.Connection.ClientCertificate;
            security = new TransportSecurity(certificate is null ? null : TlsCertificate.Fingerprint(certificate));
        }
        else if (ForwardedAddress.IsSecure(peer, context.Request.Headers["Forwarded"], context.Request.Headers["X-Forwarded-Proto"], trusted))
        {
            // TLS ended at a trusted proxy: secure as far as the client is concerned (+Z, 671),
            // with no certificate to take a fingerprint of.
            security = new TransportSecurity(null);
        }

        // The HTTP connection was counted in the connection limits when it opened (unless it comes
        // from a trusted proxy): its WebSocket is not counted again, only throttled; refused, it
        // is told why in IRC.
        var admitted = context.Features.Get<HttpConnectionAdmission>() switch
        {
            { RefusedBecause: { } reason } => ConnectionLimiter.Admission.Refused(reason),
            { Admission: not null } => server.Limiter.TryThrottle(address),
            _ => null,
        };

        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            SubProtocol = protocol,
            DangerousEnableCompression = false,
        });
        var pipe = new WebSocketPipe(socket, protocol == BinaryProtocol, IrcLimits.MaxFramedLineBytes, server.Options.Limits.RecvQBytes, server.Time, logger);
        await pipe.RunAsync(transport => irc.ServeAsync(transport, remote, security, IrcTransport.WebSocket, session => pipe.OnBadInput(session.Disconnect), admitted));
    }

    /// <summary>
    /// The client's first choice among the two IRCv3 subprotocols; null (text, and no
    /// Sec-WebSocket-Protocol in the answer) when it offered neither.
    /// </summary>
    public static string? ChooseSubprotocol(IList<string> requested)
    {
        foreach (var p in requested)
        {
            if (p.Equals(TextProtocol, StringComparison.OrdinalIgnoreCase))
            {
                return TextProtocol;
            }
            if (p.Equals(BinaryProtocol, StringComparison.OrdinalIgnoreCase))
            {
                return BinaryProtocol;
            }
        }
        return null;
    }

    /// <summary>
    /// Whether a browser page from <paramref name="origin"/> may open an IRC WebSocket here.
    /// No Origin (not a browser): yes. The same origin (the Origin's host and port are the
    /// request's Host: the web client this server serves): yes. Else an entry of the allow-list
    /// must match: <c>*</c>, the exact origin, or <c>scheme://*.domain[:port]</c> for its subdomains.
    /// </summary>
    public static bool OriginAllowed(string? origin, string? host, IReadOnlyList<string> allowed)
    {
        if (string.IsNullOrEmpty(origin))
        {
            return true;
        }
        if (allowed.Contains("*"))
        {
            return true;
        }
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            // "null" (a sandboxed page, a file) and anything else that is no web origin.
            return false;
        }
        if (host is not null && string.Equals(uri.Authority, host, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        foreach (var entry in allowed)
        {
            if (string.Equals(entry.TrimEnd('/'), origin.TrimEnd('/'), StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
            var wildcard = entry.IndexOf("://*.", StringComparison.Ordinal);
            if (wildcard > 0 && Uri.TryCreate(entry.Replace("://*.", "://wildcard.", StringComparison.Ordinal), UriKind.Absolute, out var pattern))
            {
                var domain = pattern.Host["wildcard".Length..];
                if (uri.Scheme == pattern.Scheme && uri.Port == pattern.Port
                    && uri.Host.EndsWith(domain, StringComparison.OrdinalIgnoreCase) && uri.Host.Length > domain.Length)
                {
                    return true;
                }
            }
        }
        return false;
    }

    private IPNetwork[] TrustedProxies(HttpOptions http)
    {
        var parsed = Volatile.Read(ref _proxies);
        if (parsed is null || !ReferenceEquals(parsed.For, http))
        {
            parsed = new ParsedProxies(http, ConnectionLimiter.ParseNetworks(http.TrustedProxies));
            Volatile.Write(ref _proxies, parsed);
        }
        return parsed.Networks;
    }

    [LoggerMessage(EventId = 310, Level = LogLevel.Information, Message = "WebSocket refused: origin {Origin} is not allowed")]
    private partial void LogBadOrigin(string origin);
}
