using Microsoft.Extensions.Logging;
using System.Globalization;
using Parley.Protocol;
using Parley.Server.Network;
using Parley.Server.Sessions;

namespace Parley.Server.Commands;

/// <summary>Server queries: MOTD, LUSERS, VERSION, TIME, INFO, ADMIN, HELP, LINKS, STATS.
/// https://modern.ircdocs.horse/#server-queries-and-commands</summary>
internal static partial class ServerQueryCommands
{
    public static void Register(CommandTable t)
    {
        t.Add(new("MOTD", (s, m) => { SendMotd(s); return ValueTask.CompletedTask; }));
        t.Add(new("LUSERS", (s, m) => SendLusersAsync(s)));
        t.Add(new("VERSION", VersionAsync));
        t.Add(new("TIME", TimeAsync));
        t.Add(new("INFO", InfoAsync));
        t.Add(new("ADMIN", AdminAsync));
        t.Add(new("HELP", HelpAsync));
        t.Add(new("HELPOP", HelpAsync));
        t.Add(new("LINKS", LinksAsync));
        t.Add(new("STATS", StatsAsync, MinParams: 1));
    }

    // VERSION [<server>]   https://modern.ircdocs.horse/#version-message
    private static ValueTask VersionAsync(Session s, IrcMessage m)
    {
        if (IsElsewhere(s, m.Param(0)))
        {
            return ValueTask.CompletedTask;
        }
        s.Numeric(Numerics.RPL_VERSION, ServerContext.Version, s.Server.Name, "Parley IRC server for .NET");
        foreach (var line in s.Server.ISupport.Lines())
        {
            s.Numeric(Numerics.RPL_ISUPPORT, [.. line, "are supported by this server"]);
        }
        return ValueTask.CompletedTask;
    }

    // TIME [<server>]   https://modern.ircdocs.horse/#time-message
    private static ValueTask TimeAsync(Session s, IrcMessage m)
    {
        if (!IsElsewhere(s, m.Param(0)))
        {
            s.Numeric(Numerics.RPL_TIME, s.Server.Name, s.Network.Now.UtcDateTime.ToString("R", CultureInfo.InvariantCulture));
        }
        return ValueTask.CompletedTask;
    }

    // INFO [<server>]   https://modern.ircdocs.horse/#info-message
    private static ValueTask InfoAsync(Session s, IrcMessage m)
    {
        if (IsElsewhere(s, m.Param(0)))
        {
            return ValueTask.CompletedTask;
        }
        var started = s.Server.StartedAt.UtcDateTime.ToString("R", CultureInfo.InvariantCulture);
        string[] lines =
        [
            $"{s.Server.Name}: {s.Server.Options.Description}",
            $"This is Parley, version {ServerContext.Version}.",
            "Parley is an IRC server in C# on .NET and Kestrel.",
            "It speaks the Modern IRC client protocol and the IRCv3 extensions.",
            $"It runs on .NET {Environment.Version}.",
            $"This server has been running since {started}.",
        ];
        foreach (var line in lines)
        {
            s.Numeric(Numerics.RPL_INFO, line);
        }
        s.Numeric(Numerics.RPL_ENDOFINFO, "End of INFO list");
        return ValueTask.CompletedTask;
    }

    // ADMIN [<server>]   https://modern.ircdocs.horse/#admin-message
    private static ValueTask AdminAsync(Session s, IrcMessage m)
    {
        if (IsElsewhere(s, m.Param(0)))
        {
            return ValueTask.CompletedTask;
        }
        var admin = s.Server.Options.Admin;
        s.Numeric(Numerics.RPL_ADMINME, s.Server.Name, "Administrative info");
        s.Numeric(Numerics.RPL_ADMINLOC1, admin.Location1);
        s.Numeric(Numerics.RPL_ADMINLOC2, admin.Location2);
        s.Numeric(Numerics.RPL_ADMINEMAIL, admin.Email);
        return ValueTask.CompletedTask;
    }

    // HELP [<subject>]   HELPOP [<subject>]   https://modern.ircdocs.horse/#help-message
    private static ValueTask HelpAsync(Session s, IrcMessage m)
    {
        var subject = m.Param(0)?.Trim() ?? "";
        if (subject.Length == 0)
        {
            s.Numeric(Numerics.RPL_HELPSTART, "*", "Parley help: HELP <command> explains one of these commands:");
            var verbs = s.Server.Commands.Verbs.Order(StringComparer.Ordinal);
            foreach (var line in ReplyLines.Pack(verbs, ReplyLines.Budget(s, "*")))
            {
                s.Numeric(Numerics.RPL_HELPTXT, "*", line);
            }
            s.Numeric(Numerics.RPL_ENDOFHELP, "*", "End of /HELP");
            return ValueTask.CompletedTask;
        }
        var verb = subject.ToUpperInvariant();
        string[]? text;
        if (!HelpTexts.TryGetValue(verb, out text))
        {
            if (!s.Server.Commands.TryGet(verb, out _))
            {
                s.Numeric(Numerics.ERR_HELPNOTFOUND, ReplyLines.SafeParam(subject), "No help available on this topic");
                return ValueTask.CompletedTask;
            }
            // A command without a text of its own still gets an answer, never "not found".
            text = [verb, "See https://modern.ircdocs.horse/ and https://ircv3.net/irc/."];
        }
        s.Numeric(Numerics.RPL_HELPSTART, verb, text[0]);
        foreach (var line in text.Skip(1))
        {
            s.Numeric(Numerics.RPL_HELPTXT, verb, line);
        }
        s.Numeric(Numerics.RPL_ENDOFHELP, verb, "End of /HELP");
        return ValueTask.CompletedTask;
    }

    // LINKS [[<remote server>] <server mask>]   https://modern.ircdocs.horse/#links-message
    // This server, the other nodes of its cluster if it is in one, and its built-in services,
    // each listed as a server linked to it (hop 1) as other servers list their linked services,
    // each when it matches the mask.
    private static ValueTask LinksAsync(Session s, IrcMessage m)
    {
        var mask = m.Parameters.Count > 1 ? m.Parameters[1] : m.Param(0);
        if (m.Parameters.Count > 1 && IsElsewhere(s, m.Parameters[0]))
        {
            return ValueTask.CompletedTask;
        }
        if (string.IsNullOrEmpty(mask) || HostMask.Matches(mask, s.Server.Name, CaseMapping.Ascii))
        {
            s.Numeric(Numerics.RPL_LINKS, s.Server.Name, s.Server.Name, "0 " + s.Server.Options.Description);
        }
        // In a cluster, the other nodes, each one hop away (issue 9).
        foreach (var node in s.Network.Link?.OtherNodes ?? [])
        {
            if (string.IsNullOrEmpty(mask) || HostMask.Matches(mask, node, CaseMapping.Ascii))
            {
                s.Numeric(Numerics.RPL_LINKS, node, s.Server.Name, "1 Parley cluster node");
            }
        }
        var services = s.Server.Options.ServicesName;
        if (string.IsNullOrEmpty(mask) || HostMask.Matches(mask, services, CaseMapping.Ascii))
        {
            s.Numeric(Numerics.RPL_LINKS, services, s.Server.Name, "1 Parley services (NickServ)");
        }
        s.Numeric(Numerics.RPL_ENDOFLINKS, ReplyLines.SafeParam(mask ?? ""), "End of /LINKS list");
        return ValueTask.CompletedTask;
    }

    // STATS <query> [<server>]   https://modern.ircdocs.horse/#stats-message
    // u: uptime (242); o: operator blocks (243), k: K-lines (216), d: D-lines (225), to IRC
    // operators only; always 219 at the end.
    private static ValueTask StatsAsync(Session s, IrcMessage m)
    {
        var query = m.Parameters[0];
        if (IsElsewhere(s, m.Param(1)))
        {
            return ValueTask.CompletedTask;
        }
        var letter = query.Length > 0 ? query[..1] : "*";
        switch (letter)
        {
            case "u":
                var up = s.Network.Now - s.Server.StartedAt;
                s.Numeric(Numerics.RPL_STATSUPTIME,
                    string.Create(CultureInfo.InvariantCulture, $"Server Up {up.Days} days {up.Hours}:{up.Minutes:00}:{up.Seconds:00}"));
                break;
            case "o" or "O" or "k" or "K" or "d" or "D" when !s.User.IsOperator:
                s.Numeric(Numerics.ERR_NOPRIVILEGES, "Permission Denied- You're not an IRC operator");
                break;
            case "o" or "O":
                foreach (var op in s.Server.Options.Operators)
                {
                    s.Numeric(Numerics.RPL_STATSOLINE, "O", op.Mask, "*", op.Name);
                }
                break;
            case "k" or "K":
                BanCommands.SendStats(s, Security.BanKind.KLine);
                break;
            case "d" or "D":
                BanCommands.SendStats(s, Security.BanKind.DLine);
                break;
        }
        s.Numeric(Numerics.RPL_ENDOFSTATS, ReplyLines.SafeParam(letter), "End of /STATS report");
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Whether a query's optional server target names another server: then 402 is sent. Our
    /// name (or a mask matching it) and the nick of a user here both mean this server.
    /// </summary>
    private static bool IsElsewhere(Session s, string? target)
    {
        if (string.IsNullOrEmpty(target)
            || HostMask.Matches(target, s.Server.Name, CaseMapping.Ascii)
            || s.Network.FindUser(target) is not null)
        {
            return false;
        }
        s.Numeric(Numerics.ERR_NOSUCHSERVER, ReplyLines.SafeParam(target), "No such server");
        return true;
    }

    /// <summary>251–255, 265, 266. https://modern.ircdocs.horse/#lusers-message</summary>
    public static async ValueTask SendLusersAsync(Session s)
    {
        var c = s.Network.GetCounts();
        // In a cluster (issue 9) the users, operators, channels and servers are the whole
        // network's: every node that is up is asked for its counts (each channel is counted by
        // one node). Unknown connections and "I have" stay this node's.
        RemoteCounts elsewhere = new(0, 0, 0, 0);
        if (s.Network.Link is { } link)
        {
            try
            {
                elsewhere = await link.CountsElsewhereAsync();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                s.Server.LoggerFactory.CreateLogger("Parley.Server.Commands.ServerQueryCommands").LogWarning(ex, "the other nodes' LUSERS counts failed");
            }
        }
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        var servers = 1 + elsewhere.Servers;
        s.Numeric(Numerics.RPL_LUSERCLIENT, $"There are {c.Visible + elsewhere.Visible} users and {c.Invisible + elsewhere.Invisible} invisible on {servers} servers");
        s.Numeric(Numerics.RPL_LUSEROP, (c.Operators + elsewhere.Operators).ToString(inv), "operator(s) online");
        s.Numeric(Numerics.RPL_LUSERUNKNOWN, c.Unknown.ToString(inv), "unknown connection(s)");
        s.Numeric(Numerics.RPL_LUSERCHANNELS, (c.Channels + elsewhere.Channels).ToString(inv), "channels formed");
        s.Numeric(Numerics.RPL_LUSERME, $"I have {c.Local} clients and {elsewhere.Servers} servers");
        var total = c.Local.ToString(inv);
        var max = c.MaxUsers.ToString(inv);
        s.Numeric(Numerics.RPL_LOCALUSERS, total, max, $"Current local users {total}, max {max}");
        var globalCount = c.Total + elsewhere.Visible + elsewhere.Invisible;
        var global = globalCount.ToString(inv);
        var globalMax = s.Network.NoteGlobalUsers(globalCount).ToString(inv);
        s.Numeric(Numerics.RPL_GLOBALUSERS, global, globalMax, $"Current global users {global}, max {globalMax}");
    }

    /// <summary>375, 372…, 376, or 422 when there is no MOTD. https://modern.ircdocs.horse/#motd-message</summary>
    public static void SendMotd(Session s)
    {
        var motd = s.Server.Motd;
        if (motd is null)
        {
            s.Numeric(Numerics.ERR_NOMOTD, "MOTD File is missing");
            return;
        }
        s.Numeric(Numerics.RPL_MOTDSTART, $"- {s.Server.Name} Message of the day - ");
        foreach (var line in motd)
        {
            s.Numeric(Numerics.RPL_MOTD, "- " + line);
        }
        s.Numeric(Numerics.RPL_ENDOFMOTD, "End of /MOTD command.");
    }
}
