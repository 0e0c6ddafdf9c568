using System.Text;
using Parley.Protocol;
using Parley.Server.Sessions;

namespace Parley.Server.Commands;

// CAP <subcommand> [:<capabilities>]  https://ircv3.net/specs/extensions/capability-negotiation
internal static class CapCommand
{
    /// <summary>A CAP LS or LIST line's capability list stays under this many bytes, so the whole line fits in 512.</summary>
    private const int MaxCapListBytes = 380;

    public static ValueTask HandleAsync(Session s, IrcMessage m)
    {
        var sub = m.Parameters[0].ToUpperInvariant();
        switch (sub)
        {
            case "LS":
                if (!s.IsRegistered)
                {
                    s.CapNegotiating = true;
                }
                if (m.Param(1) is { } v && int.TryParse(v, out var version) && version >= 302)
                {
                    s.CapVersion = 302;
                    // CAP LS 302 implies cap-notify.
                    s.SetCaps(s.Caps | Capability.CapNotify);
                }
                else if (s.CapVersion == 0)
                {
                    s.CapVersion = 301;
                }
                var ls = Capabilities.Offered(s.Network.Deliveries.Enabled)
                    .Where(c => c.Flag != Capability.AccountRegistration || s.Server.Options.Accounts.AllowRegistration)
                    .Select(c => (c.Flag == Capability.AccountRegistration ? AccountRegistration.CapValue(s.Server.Options.Accounts) : c.Value) is { } value && s.CapVersion >= 302 ? $"{c.Name}={value}" : c.Name);
                if (s.CapVersion >= 302 && StsPolicy(s) is { } sts)
                {
                    ls = ls.Append("sts=" + sts);
                }
                SendList(s, "LS", ls);
                break;
            case "LIST":
                SendList(s, "LIST", Capabilities.All.Where(c => s.Has(c.Flag)).Select(c => c.Name));
                break;
            case "REQ":
                Req(s, m.Param(1) ?? "");
                break;
            case "END":
                if (!s.IsRegistered && s.CapNegotiating)
                {
                    s.CapNegotiating = false;
                    return RegistrationCommands.TryCompleteRegistrationAsync(s);
                }
                break;
            default:
                s.Numeric(Numerics.ERR_INVALIDCAPCMD, m.Parameters[0], "Invalid CAP command");
                break;
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Strict Transport Security (https://ircv3.net/specs/extensions/sts): over plain text, the
    /// port to upgrade to; over TLS, how long to keep to TLS. Null without TLS or with STS off.
    /// Only advertised in LS (it cannot be requested) and only to 302 clients (it needs a value).
    /// </summary>
    private static string? StsPolicy(Session s)
    {
        var tls = s.Server.Options.Tls;
        if (!tls.Sts || s.Server.TlsPort is not { } port)
        {
            return null;
        }
        return s.User.IsSecure
            ? "duration=" + tls.StsDurationSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : "port=" + port.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void Req(Session s, string requested)
    {
        if (!s.IsRegistered)
        {
            s.CapNegotiating = true;
        }
        var caps = s.Caps;
        var names = requested.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var result = caps;
        foreach (var raw in names)
        {
            var remove = raw.StartsWith('-');
            var name = remove ? raw[1..] : raw;
            if (!Capabilities.TryGet(name, out var info) || ((info.Flag & Capabilities.HistoryCaps) != 0 && !s.Network.Deliveries.Enabled))
            {
                // All or nothing: one unknown capability refuses the whole request.
                s.Reply("CAP", s.Nick, "NAK", requested);
                return;
            }
            result = remove ? result & ~info.Flag : result | info.Flag;
        }
        if (names.Length == 0)
        {
            s.Reply("CAP", s.Nick, "NAK", requested);
            return;
        }
        s.SetCaps(result);
        s.Reply("CAP", s.Nick, "ACK", requested.Trim());
    }

    private static void SendList(Session s, string sub, IEnumerable<string> items)
    {
        var lines = new List<string>();
        var current = new StringBuilder();
        foreach (var item in items)
        {
            if (current.Length > 0 && Encoding.UTF8.GetByteCount(current.ToString()) + 1 + item.Length > MaxCapListBytes)
            {
                lines.Add(current.ToString());
                current.Clear();
            }
            if (current.Length > 0)
            {
                current.Append(' ');
            }
            current.Append(item);
        }
        lines.Add(current.ToString());
        for (var i = 0; i < lines.Count; i++)
        {
            var more = i < lines.Count - 1 && s.CapVersion >= 302;
            if (more)
            {
                s.Reply("CAP", s.Nick, sub, "*", lines[i]);
            }
            else
            {
                s.Reply("CAP", s.Nick, sub, lines[i]);
            }
        }
    }
}
