using Microsoft.Extensions.Logging;
using System.Globalization;
using Parley.Protocol;
using Parley.Server.Network;
using Parley.Server.Sessions;

namespace Parley.Server.Commands;

/// <summary>User-based queries: WHO (with WHOX), WHOIS, WHOWAS, ISON, USERHOST.
/// https://modern.ircdocs.horse/#user-based-queries</summary>
internal static class UserQueryCommands
{
    /// <summary>RPL_WHOISBOT: not in the Modern numerics list; defined by the bot-mode spec.
    /// https://ircv3.net/specs/extensions/bot-mode</summary>
    public const string RPL_WHOISBOT = "335";

    /// <summary>USERHOST answers for at most this many nicks (RFC 2812 §4.8).</summary>
    public const int MaxUserhostNicks = 5;

    /// <summary>What WHOX shows in the <c>i</c> field for an address the viewer may not see.</summary>
    private const string HiddenIp = "255.255.255.255";

    /// <summary>The WHOX fields in the order the spec lists them (and replies carry them).</summary>
    private const string WhoxFieldOrder = "tcuihsnfdlaor";

    public static void Register(CommandTable t)
    {
        t.Add(new("WHO", WhoAsync));
        t.Add(new("WHOIS", WhoisAsync));
        t.Add(new("WHOWAS", WhowasAsync, MinParams: 1));
        t.Add(new("ISON", IsonAsync, MinParams: 1));
        t.Add(new("USERHOST", UserhostAsync, MinParams: 1));
    }

    // WHO <mask> [<flags>][%<fields>[,<token>]]
    // https://modern.ircdocs.horse/#who-message  https://ircv3.net/specs/extensions/whox
    private static async ValueTask WhoAsync(Session s, IrcMessage m)
    {
        var original = m.Param(0) ?? "";
        var mask = original.Length == 0 ? "*" : original;
        var options = m.Param(1) ?? "";
        var percent = options.IndexOf('%', StringComparison.Ordinal);
        var flags = percent < 0 ? options : options[..percent];
        string? fields = null;
        var token = "0";
        if (percent >= 0)
        {
            fields = options[(percent + 1)..];
            var comma = fields.IndexOf(',', StringComparison.Ordinal);
            if (comma >= 0)
            {
                if (comma < fields.Length - 1)
                {
                    token = fields[(comma + 1)..];
                }
                fields = fields[..comma];
            }
            fields = fields.ToLowerInvariant();
        }

        var entries = await s.Network.WhoAsync(s.User, mask, operatorsOnly: flags.Contains('o', StringComparison.Ordinal));
        var multiPrefix = s.Has(Capability.MultiPrefix);
        foreach (var e in entries)
        {
            if (fields is null)
            {
                s.Numeric(Numerics.RPL_WHOREPLY, e.Channel ?? "*", e.Username, e.Host, s.Server.Name, e.Nick,
                    WhoFlags(e, multiPrefix), "0 " + e.Realname);
            }
            else
            {
                s.Numeric(Numerics.RPL_WHOSPCRPL, WhoxFields(s, e, fields, token, multiPrefix));
            }
        }
        s.Numeric(Numerics.RPL_ENDOFWHO, ReplyLines.SafeParam(original), "End of WHO list");
    }

    /// <summary><c>H|G</c>, <c>*</c> for an oper, the channel prefixes, <c>B</c> for a bot.</summary>
    private static string WhoFlags(in WhoEntry e, bool multiPrefix)
        => (e.Away ? "G" : "H")
           + (e.Operator ? "*" : "")
           + (e.Channel is null ? "" : MemberPrefixes.ToPrefixes(e.Status, multiPrefix))
           + (e.Bot ? "B" : "");

    /// <summary>The requested WHOX fields, always in the spec's order whatever the request's.</summary>
    private static string[] WhoxFields(Session s, in WhoEntry e, string requested, string token, bool multiPrefix)
    {
        var values = new List<string>(WhoxFieldOrder.Length);
        foreach (var field in WhoxFieldOrder)
        {
            if (!requested.Contains(field, StringComparison.Ordinal))
            {
                continue;
            }
            values.Add(field switch
            {
                't' => token,
                'c' => e.Channel ?? "*",
                'u' => e.Username,
                'i' => s.User.IsOperator || s.Network.CaseMapping.Equals(e.Nick, s.Nick) ? e.RealIp : HiddenIp,
                'h' => e.Host,
                's' => s.Server.Name,
                'n' => e.Nick,
                'f' => WhoFlags(e, multiPrefix),
                'd' => "0",
                'l' => e.IdleSeconds.ToString(CultureInfo.InvariantCulture),
                'a' => e.Account ?? "0",
                'o' => "*",
                _ => e.Realname,
            });
        }
        return [.. values];
    }

    // WHOIS [<target>] <nick>   https://modern.ircdocs.horse/#whois-message
    private static async ValueTask WhoisAsync(Session s, IrcMessage m)
    {
        // With two parameters the first names a server (or a user's server): the answer is the same.
        var query = m.Parameters.Count > 1 ? m.Parameters[1] : m.Param(0) ?? "";
        // TARGMAX WHOIS:1 — only the first of a comma-separated list is answered (as Ergo).
        var nick = query.Split(',')[0];
        if (nick.Length == 0)
        {
            s.Numeric(Numerics.ERR_NONICKNAMEGIVEN, "No nickname given");
            return;
        }
        var info = s.Network.Whois(s.User, nick);
        if (info is not null)
        {
            SendWhois(s, info, s.Server.Name, s.Server.Options.Description);
            MetadataCommands.SendWhois(s, info.Nick);
            s.Numeric(Numerics.RPL_ENDOFWHOIS, ReplyLines.SafeParam(query), "End of /WHOIS list");
            return;
        }
        // In a cluster, a user of another node; 312 names that node (issue 9).
        RemoteWhois? remote = null;
        if (s.Network.Link is { } link && NickRules.IsValid(nick, s.Server.Options.Limits.NickLength))
        {
            try
            {
                remote = await link.WhoisAsync(nick, s.User.IsOperator);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                s.Server.LoggerFactory.CreateLogger("Parley.Server.Commands.UserQueryCommands").LogWarning(ex, "WHOIS {Nick} on another node failed", nick);
            }
        }
        if (remote is null)
        {
            s.Numeric(Numerics.ERR_NOSUCHNICK, ReplyLines.SafeParam(nick), "No such nick/channel");
        }
        else
        {
            SendWhois(s, remote.Info, remote.ServerName, remote.ServerDescription);
        }
        s.Numeric(Numerics.RPL_ENDOFWHOIS, ReplyLines.SafeParam(query), "End of /WHOIS list");
    }

    private static void SendWhois(Session s, WhoisInfo info, string serverName, string serverDescription)
    {
        var n = info.Nick;
        s.Numeric(Numerics.RPL_WHOISUSER, n, info.Username, info.Host, "*", info.Realname);
        if (info.Channels.Count > 0)
        {
            var multiPrefix = s.Has(Capability.MultiPrefix);
            var names = info.Channels.Select(c => MemberPrefixes.ToPrefixes(c.Status, multiPrefix) + c.Name);
            foreach (var line in ReplyLines.Pack(names, ReplyLines.Budget(s, n)))
            {
                s.Numeric(Numerics.RPL_WHOISCHANNELS, n, line);
            }
        }
        s.Numeric(Numerics.RPL_WHOISSERVER, n, serverName, serverDescription);
        if (info.Operator)
        {
            s.Numeric(Numerics.RPL_WHOISOPERATOR, n, "is an IRC operator");
        }
        if (s.User.IsOperator || s.Network.CaseMapping.Equals(n, s.Nick))
        {
            s.Numeric(Numerics.RPL_WHOISACTUALLY, n, $"{info.Username}@{info.RealHost}", info.RealIp, "Actual user@host, Actual IP");
        }
        if (info.Account is not null)
        {
            s.Numeric(Numerics.RPL_WHOISACCOUNT, n, info.Account, "is logged in as");
        }
        if (info.Secure)
        {
            s.Numeric(Numerics.RPL_WHOISSECURE, n, "is using a secure connection");
        }
        // certfp: to the user and to operators only, as Ergo and InspIRCd.
        if (info.CertFingerprint is not null && (s.User.IsOperator || s.Network.CaseMapping.Equals(n, s.Nick)))
        {
            s.Numeric(Numerics.RPL_WHOISCERTFP, n, $"has client certificate fingerprint {info.CertFingerprint}");
        }
        if (info.Bot)
        {
            s.Numeric(RPL_WHOISBOT, n, $"is a Bot on {s.Server.Options.Network}");
        }
        s.Numeric(Numerics.RPL_WHOISIDLE, n, info.IdleSeconds.ToString(CultureInfo.InvariantCulture),
            info.SignOnAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), "seconds idle, signon time");
        if (info.AwayMessage is not null)
        {
            s.Numeric(Numerics.RPL_AWAY, n, info.AwayMessage);
        }
    }

    // WHOWAS <nick>{,<nick>} [<count> [<server>]]   https://modern.ircdocs.horse/#whowas-message
    private static ValueTask WhowasAsync(Session s, IrcMessage m)
    {
        var nicks = m.Parameters[0].Split(',', StringSplitOptions.RemoveEmptyEntries);
        if (nicks.Length == 0)
        {
            s.Numeric(Numerics.ERR_NONICKNAMEGIVEN, "No nickname given");
            return ValueTask.CompletedTask;
        }
        // A missing, non-numeric or non-positive count asks for every entry.
        var count = int.TryParse(m.Param(1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var c) && c > 0 ? c : 0;
        foreach (var nick in nicks)
        {
            var entries = s.Network.GetWhowas(nick, count);
            if (entries.Count == 0)
            {
                s.Numeric(Numerics.ERR_WASNOSUCHNICK, ReplyLines.SafeParam(nick), "There was no such nickname");
            }
            foreach (var e in entries)
            {
                s.Numeric(Numerics.RPL_WHOWASUSER, e.Nick, e.Username, e.Host, "*", e.Realname);
                // The server info of a past user is when they left, as most servers show it.
                s.Numeric(Numerics.RPL_WHOISSERVER, e.Nick, s.Server.Name,
                    e.At.UtcDateTime.ToString("ddd MMM dd HH:mm:ss yyyy 'UTC'", CultureInfo.InvariantCulture));
            }
            s.Numeric(Numerics.RPL_ENDOFWHOWAS, ReplyLines.SafeParam(nick), "End of WHOWAS");
        }
        return ValueTask.CompletedTask;
    }

    // ISON <nickname>{ <nickname>}   https://modern.ircdocs.horse/#ison-message
    private static async ValueTask IsonAsync(Session s, IrcMessage m)
    {
        var asked = SpaceSeparated(m).ToList();
        var online = s.Network.Ison(asked);
        if (s.Network.Link is { } link)
        {
            // In a cluster, the nicks no local user holds are asked of the nick grains (issue 9).
            var local = new HashSet<string>(online, s.Network.CaseMapping.Comparer);
            var rest = asked.Where(n => !local.Contains(n) && NickRules.IsValid(n, s.Server.Options.Limits.NickLength))
                .Distinct(s.Network.CaseMapping.Comparer).ToList();
            if (rest.Count > 0)
            {
                try
                {
                    online.AddRange(await link.OnlineElsewhereAsync(rest));
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    s.Server.LoggerFactory.CreateLogger("Parley.Server.Commands.UserQueryCommands").LogWarning(ex, "ISON on other nodes failed");
                }
            }
        }
        var lines = ReplyLines.Pack(online, ReplyLines.Budget(s));
        if (lines.Count == 0)
        {
            lines.Add("");
        }
        foreach (var line in lines)
        {
            s.Numeric(Numerics.RPL_ISON, line);
        }
    }

    // USERHOST <nickname>{ <nickname>}   https://modern.ircdocs.horse/#userhost-message
    private static ValueTask UserhostAsync(Session s, IrcMessage m)
    {
        var entries = s.Network.Userhost(SpaceSeparated(m).Take(MaxUserhostNicks));
        var replies = entries.Select(e => $"{e.Nick}{(e.Operator ? "*" : "")}={(e.Away ? '-' : '+')}{e.Username}@{e.Host}");
        s.Numeric(Numerics.RPL_USERHOST, string.Join(' ', replies));
        return ValueTask.CompletedTask;
    }

    /// <summary>Every word of every parameter: some clients send the nicks as one trailing parameter.</summary>
    private static IEnumerable<string> SpaceSeparated(IrcMessage m)
        => m.Parameters.SelectMany(p => p.Split(' ', StringSplitOptions.RemoveEmptyEntries));
}
