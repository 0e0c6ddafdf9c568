using System.Globalization;
using System.Net;

namespace Parley.Server.Hosting;

/// <summary>A listen address as given: HOST:PORT, [IPv6]:PORT, *:PORT (every address) or localhost:PORT.</summary>
public sealed record ListenEndpoint(string Host, int Port)
{
    public bool IsLocalhost => Host.Equals("localhost", StringComparison.OrdinalIgnoreCase);
    public bool IsAny => Host is "*" or "0.0.0.0" or "::";

    public static bool TryParse(string text, out ListenEndpoint endpoint, out string error)
    {
        endpoint = null!;
        error = "";
        text = text.Trim();
        string host;
        string portText;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || close + 1 >= text.Length || text[close + 1] != ':')
            {
                error = $"invalid listen address '{text}': IPv6 addresses are written [::1]:6667";
                return false;
            }
            host = text[1..close];
            portText = text[(close + 2)..];
            if (!IPAddress.TryParse(host, out _))
            {
                error = $"invalid listen address '{text}': '{host}' is not an IPv6 address";
                return false;
            }
        }
        else
        {
            var colon = text.LastIndexOf(':');
            if (colon <= 0 || text.IndexOf(':', StringComparison.Ordinal) != colon)
            {
                error = $"invalid listen address '{text}': expected HOST:PORT (IPv6 as [::1]:6667)";
                return false;
            }
            host = text[..colon];
            portText = text[(colon + 1)..];
        }
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 0 or > 65535)
        {
            error = $"invalid listen address '{text}': port must be a number from 0 to 65535";
            return false;
        }
        endpoint = new ListenEndpoint(host, port);
        return true;
    }

    /// <summary>
    /// The addresses to bind: both loopbacks for localhost, the address itself, or every address
    /// a host name resolves to (protocol-independent: IPv4 and IPv6 alike).
    /// </summary>
    public IReadOnlyList<IPAddress> Resolve()
    {
        if (IsLocalhost)
        {
            return [IPAddress.Loopback, IPAddress.IPv6Loopback];
        }
        if (Host == "*")
        {
            return [IPAddress.IPv6Any];
        }
        if (IPAddress.TryParse(Host, out var address))
        {
            return [address];
        }
        return Dns.GetHostAddresses(Host);
    }

    public override string ToString() => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
