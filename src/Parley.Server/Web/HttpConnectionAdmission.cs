using System.Net;
using Parley.Server.Connections;

namespace Parley.Server.Web;

/// <summary>
/// The connection limits for an HTTP connection (the web client's pages, WebSocket upgrades,
/// health checks): counted when it opens against the same per-address, per-block and total limits
/// as IRC connections (<see cref="ConnectionLimiter"/>; the connect throttle is left to the IRC
/// WebSocket, as a browser opens several connections per page), released when it closes. A
/// refused connection gets 503 with the reason, or, if it asks for IRC over WebSocket, the IRC
/// ERROR line an IRC client would get. A connection from a trusted proxy is not counted: the
/// proxy carries many clients, each counted by its forwarded address when its WebSocket opens.
/// Set on the connection's features by the HTTP listeners (<see cref="Hosting.ParleyServer"/>).
/// </summary>
public sealed class HttpConnectionAdmission
{
    private HttpConnectionAdmission(ConnectionLimiter.Admission? admission, string? refusedBecause)
    {
        Admission = admission;
        RefusedBecause = refusedBecause;
    }

    /// <summary>This connection's place in the limits, or null (refused, or from a trusted proxy).</summary>
    public ConnectionLimiter.Admission? Admission { get; }

    /// <summary>Why the limits refused it, or null.</summary>
    public string? RefusedBecause { get; }

    public static HttpConnectionAdmission Admit(ServerContext server, EndPoint? remote)
    {
        var address = (remote as IPEndPoint)?.Address;
        if (address is not null && FromTrustedProxy(server, address))
        {
            return new HttpConnectionAdmission(null, null);
        }
        var admission = server.Limiter.TryAdmit(address, throttle: false);
        return admission.Admitted ? new HttpConnectionAdmission(admission, null) : new HttpConnectionAdmission(null, admission.RefusedBecause);
    }

    /// <summary>When the connection closes.</summary>
    public void Release() => Admission?.Release();

    private static bool FromTrustedProxy(ServerContext server, IPAddress address)
    {
        var proxies = server.Options.Http.TrustedProxies;
        if (proxies.Count == 0)
        {
            return false;
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        foreach (var network in ConnectionLimiter.ParseNetworks(proxies))
        {
            if (network.Contains(address))
            {
                return true;
            }
        }
        return false;
    }
}
