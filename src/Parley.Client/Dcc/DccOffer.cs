using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Parley.Client.Dcc;

/// <summary>
/// A DCC CHAT offer: <c>DCC CHAT chat &lt;address&gt; &lt;port&gt; [&lt;token&gt;]</c> as CTCP
/// arguments. IPv4 travels as one unsigned 32-bit decimal integer (network order), IPv6 as
/// its text form. Port 0 with a token is the passive (reverse) form: the offerer cannot
/// listen, so the receiver listens and answers with the same token and its own address.
/// </summary>
public sealed record DccOffer(IPAddress Address, int Port, string? Token)
{
    public bool IsPassive => Port == 0;

    public IPEndPoint EndPoint => new(Address, Port);

    /// <summary>The CTCP arguments after "DCC": <c>CHAT chat 2130706433 5000</c>.</summary>
    public string ToCtcpArguments()
    {
        var text = $"CHAT chat {FormatAddress(Address)} {Port.ToString(CultureInfo.InvariantCulture)}";
        return Token is null ? text : text + " " + Token;
    }

    /// <summary>The whole CTCP text, delimiters included.</summary>
    public string ToCtcp() => Ctcp.Format("DCC", ToCtcpArguments());

    /// <summary>Parses the CTCP arguments after "DCC" (case-insensitive CHAT; the protocol word is ignored).</summary>
    public static bool TryParse(string arguments, [NotNullWhen(true)] out DccOffer? offer)
    {
        offer = null;
        var parts = arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 4 || !parts[0].Equals("CHAT", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        if (!TryParseAddress(parts[2], out var address)
            || !int.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            return false;
        }
        var token = parts.Length > 4 ? parts[4] : null;
        if (port == 0 && token is null)
        {
            return false;
        }
        offer = new DccOffer(address, port, token);
        return true;
    }

    public static string FormatAddress(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            var value = ((uint)b[0] << 24) | ((uint)b[1] << 16) | ((uint)b[2] << 8) | b[3];
            return value.ToString(CultureInfo.InvariantCulture);
        }
        return address.ToString();
    }

    public static bool TryParseAddress(string text, [NotNullWhen(true)] out IPAddress? address)
    {
        if (uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            address = new IPAddress([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value]);
            return true;
        }
        // Only IPv6 in text form: a dotted IPv4 here is not the protocol, but some clients send it.
        return IPAddress.TryParse(text, out address);
    }
}
