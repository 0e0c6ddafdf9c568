using System.Net;
using Microsoft.Extensions.Primitives;

namespace Parley.Server.Web;

/// <summary>
/// The client's real address behind reverse proxies: taken from <c>Forwarded</c> (RFC 7239) or,
/// when that is absent, <c>X-Forwarded-For</c>, and only as far as the hops are trusted.
/// </summary>
/// <remarks>
/// The list is read from the right (the hop nearest to us): while the address we have is a
/// trusted proxy, the one it names before it is taken; the first untrusted address is the
/// client. So a client cannot choose its address by sending the header itself: a trusted
/// proxy appends what it saw, and what the client wrote stays on the left, unread. An entry
/// that is not an address (<c>unknown</c>, an obfuscated name) stops the walk at the proxy.
/// </remarks>
public static class ForwardedAddress
{
    /// <summary>At most this many hops are read; a longer chain is cut there (it is bounded input).</summary>
    public const int MaxHops = 16;

    public static IPAddress Resolve(IPAddress peer, StringValues forwarded, StringValues xForwardedFor, IReadOnlyList<IPNetwork> trusted)
    {
        var current = Normalize(peer);
        if (trusted.Count == 0 || !IsTrusted(current, trusted))
        {
            return current;
        }
        var hops = forwarded.Count > 0 ? ParseForwarded(forwarded) : ParseList(xForwardedFor);
        for (var i = hops.Count - 1; i >= 0 && hops.Count - i <= MaxHops; i--)
        {
            if (hops[i] is not { } hop)
            {
                return current;
            }
            current = Normalize(hop);
            if (!IsTrusted(current, trusted))
            {
                return current;
            }
        }
        return current;
    }

    /// <summary>
    /// Whether a trusted proxy says the client reached it over TLS: the nearest hop's
    /// <c>proto=</c> in <c>Forwarded</c> (RFC 7239), else the last value of
    /// <c>X-Forwarded-Proto</c>, is <c>https</c> (or <c>wss</c>). From anyone else the headers
    /// are not believed.
    /// </summary>
    public static bool IsSecure(IPAddress peer, StringValues forwarded, StringValues xForwardedProto, IReadOnlyList<IPNetwork> trusted)
    {
        if (trusted.Count == 0 || !IsTrusted(Normalize(peer), trusted))
        {
            return false;
        }
        string? proto = null;
        if (forwarded.Count > 0)
        {
            var last = forwarded[^1]?.Split(',')[^1] ?? "";
            foreach (var pair in last.Split(';', StringSplitOptions.TrimEntries))
            {
                if (pair.StartsWith("proto=", StringComparison.OrdinalIgnoreCase))
                {
                    proto = pair["proto=".Length..].Trim('"');
                }
            }
        }
        else if (xForwardedProto.Count > 0)
        {
            proto = xForwardedProto[^1]?.Split(',')[^1].Trim();
        }
        return proto is not null && (proto.Equals("https", StringComparison.OrdinalIgnoreCase) || proto.Equals("wss", StringComparison.OrdinalIgnoreCase));
    }

    private static bool IsTrusted(IPAddress address, IReadOnlyList<IPNetwork> trusted)
    {
        foreach (var network in trusted)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }
        return false;
    }

    private static IPAddress Normalize(IPAddress a) => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a;

    /// <summary>The <c>for=</c> of every element of every Forwarded header, left to right; null where it is not an address.</summary>
    internal static List<IPAddress?> ParseForwarded(StringValues headers)
    {
        var hops = new List<IPAddress?>();
        foreach (var header in headers)
        {
            if (header is null)
            {
                continue;
            }
            foreach (var element in SplitOutsideQuotes(header, ','))
            {
                IPAddress? address = null;
                foreach (var pair in SplitOutsideQuotes(element, ';'))
                {
                    var eq = pair.IndexOf('=', StringComparison.Ordinal);
                    if (eq > 0 && pair[..eq].Trim().Equals("for", StringComparison.OrdinalIgnoreCase))
                    {
                        address = ParseNode(pair[(eq + 1)..].Trim().Trim('"'));
                    }
                }
                hops.Add(address);
            }
        }
        return hops;
    }

    /// <summary>X-Forwarded-For: addresses separated by commas, left to right.</summary>
    internal static List<IPAddress?> ParseList(StringValues headers)
    {
        var hops = new List<IPAddress?>();
        foreach (var header in headers)
        {
            if (header is null)
            {
                continue;
            }
            foreach (var item in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                hops.Add(ParseNode(item));
            }
        }
        return hops;
    }

    /// <summary>A node: <c>192.0.2.1</c>, <c>192.0.2.1:4711</c>, <c>[2001:db8::1]</c>, <c>[2001:db8::1]:4711</c>, or a bare IPv6 address.</summary>
    internal static IPAddress? ParseNode(string node)
    {
        if (node.StartsWith('['))
        {
            var close = node.IndexOf(']', StringComparison.Ordinal);
            return close > 0 && IPAddress.TryParse(node.AsSpan(1, close - 1), out var v6) ? v6 : null;
        }
        if (IPAddress.TryParse(node, out var address))
        {
            return address;
        }
        var colon = node.LastIndexOf(':');
        return colon > 0 && node.IndexOf(':', StringComparison.Ordinal) == colon && IPAddress.TryParse(node.AsSpan(0, colon), out var v4) ? v4 : null;
    }

    private static List<string> SplitOutsideQuotes(string text, char separator)
    {
        var parts = new List<string>();
        var start = 0;
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '"')
            {
                quoted = !quoted;
            }
            else if (text[i] == separator && !quoted)
            {
                parts.Add(text[start..i].Trim());
                start = i + 1;
            }
        }
        parts.Add(text[start..].Trim());
        return parts;
    }
}
