using System.Text;
using Parley.Protocol;
using Parley.Server.Network;
using Parley.Server.Sessions;

namespace Parley.Server.Commands;

/// <summary>A user's own presence and identity: AWAY, SETNAME, MONITOR.</summary>
internal static class UserCommands
{
    /// <summary>The longest realname SETNAME accepts, in UTF-8 bytes (Ergo's default <c>realnamelen</c>).</summary>
    public const int MaxRealnameBytes = 150;

    public static void Register(CommandTable t)
    {
        t.Add(new("AWAY", AwayAsync));
        t.Add(new("SETNAME", SetnameAsync));
        t.Add(new("MONITOR", MonitorAsync, MinParams: 1));
    }

    // AWAY [<text>]   https://modern.ircdocs.horse/#away-message
    // An empty text is the same as none (Modern); the text is cut to AWAYLEN bytes.
    private static ValueTask AwayAsync(Session s, IrcMessage m)
    {
        var text = m.Param(0);
        if (string.IsNullOrEmpty(text))
        {
            s.Network.SetAway(s.User, null);
            s.Numeric(Numerics.RPL_UNAWAY, "You are no longer marked as being away");
            return ValueTask.CompletedTask;
        }
        s.Network.SetAway(s.User, TruncateUtf8(text, s.Server.Options.Limits.AwayLength));
        s.Numeric(Numerics.RPL_NOWAWAY, "You have been marked as being away");
        return ValueTask.CompletedTask;
    }

    // SETNAME :<realname>   https://ircv3.net/specs/extensions/setname
    private static ValueTask SetnameAsync(Session s, IrcMessage m)
    {
        // Clients that send unknown commands raw split "/setname Jane Doe" into words (as Ergo).
        var realname = string.Join(' ', m.Parameters);
        if (realname.Length == 0 || Encoding.UTF8.GetByteCount(realname) > MaxRealnameBytes)
        {
            s.Fail("SETNAME", "INVALID_REALNAME", "Realname is not valid");
            return ValueTask.CompletedTask;
        }
        s.Network.SetRealname(s.User, realname, s.Replies);
        return ValueTask.CompletedTask;
    }

    // MONITOR + <target>{,<target>}   MONITOR - <target>{,<target>}   MONITOR C   MONITOR L   MONITOR S
    // https://ircv3.net/specs/extensions/monitor
    private static ValueTask MonitorAsync(Session s, IrcMessage m)
    {
        var sub = m.Parameters[0];
        var targets = m.Param(1);
        switch (sub.ToUpperInvariant())
        {
            case "+" when targets is not null:
                MonitorAdd(s, targets);
                break;
            case "-" when targets is not null:
                s.Network.MonitorRemove(s.User, targets.Split(',', StringSplitOptions.RemoveEmptyEntries));
                break;
            case "+" or "-":
                s.Numeric(Numerics.ERR_NEEDMOREPARAMS, "MONITOR", "Not enough parameters");
                break;
            case "C":
                s.Network.MonitorClear(s.User);
                break;
            case "L":
                var list = s.Network.MonitorList(s.User).Select(e => e.Nick);
                foreach (var line in ReplyLines.Pack(list, ReplyLines.Budget(s), ','))
                {
                    s.Numeric(Numerics.RPL_MONLIST, line);
                }
                s.Numeric(Numerics.RPL_ENDOFMONLIST, "End of MONITOR list");
                break;
            case "S":
                SendStatus(s, s.Network.MonitorList(s.User));
                break;
            default:
                s.Numeric(Numerics.ERR_UNKNOWNERROR, "MONITOR", ReplyLines.SafeParam(sub), "Unknown subcommand");
                break;
        }
        return ValueTask.CompletedTask;
    }

    private static void MonitorAdd(Session s, string targets)
    {
        // Only nicks can be monitored, never masks (the spec's privacy rule); others are skipped, as Ergo does.
        var nickLength = s.Server.Options.Limits.NickLength;
        var nicks = targets.Split(',', StringSplitOptions.RemoveEmptyEntries).Where(n => NickRules.IsValid(n, nickLength)).ToList();
        var (added, rejected) = s.Network.MonitorAdd(s.User, nicks);
        SendStatus(s, added);
        MetadataCommands.SendForMonitor(s, added.Where(a => a.Online is not null).Select(a => a.Online!));
        if (rejected.Count > 0)
        {
            s.Numeric(Numerics.ERR_MONLISTFULL, IrcNetwork.MaxMonitorTargets.ToString(System.Globalization.CultureInfo.InvariantCulture),
                string.Join(',', rejected), "Monitor list is full.");
        }
    }

    /// <summary>RPL_MONONLINE for the targets online (as nick!user@host), RPL_MONOFFLINE for the others.</summary>
    private static void SendStatus(Session s, List<(string Nick, IrcUser? Online)> targets)
    {
        var online = targets.Where(t => t.Online is not null).Select(t => t.Online!.Prefix);
        var offline = targets.Where(t => t.Online is null).Select(t => t.Nick);
        foreach (var line in ReplyLines.Pack(online, ReplyLines.Budget(s), ','))
        {
            s.Numeric(Numerics.RPL_MONONLINE, line);
        }
        foreach (var line in ReplyLines.Pack(offline, ReplyLines.Budget(s), ','))
        {
            s.Numeric(Numerics.RPL_MONOFFLINE, line);
        }
    }

    /// <summary>The longest prefix of <paramref name="text"/> within <paramref name="maxBytes"/> UTF-8 bytes, never splitting a character.</summary>
    internal static string TruncateUtf8(string text, int maxBytes)
    {
        if (Encoding.UTF8.GetByteCount(text) <= maxBytes)
        {
            return text;
        }
        var bytes = 0;
        var i = 0;
        while (i < text.Length)
        {
            var width = char.IsHighSurrogate(text[i]) && i + 1 < text.Length ? 2 : 1;
            var n = Encoding.UTF8.GetByteCount(text.AsSpan(i, width));
            if (bytes + n > maxBytes)
            {
                break;
            }
            bytes += n;
            i += width;
        }
        return text[..i];
    }
}
