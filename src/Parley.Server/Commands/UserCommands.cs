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
    private static async ValueTask MonitorAsync(Session s, IrcMessage m)
    {
        var sub = m.Parameters[0];
        var targets = m.Param(1);
        switch (sub.ToUpperInvariant())
        {
            case "+" when targets is not null:
                await MonitorAddAsync(s, targets);
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
                await SendStatusAsync(s, s.Network.MonitorList(s.User));
                break;
            default:
                s.Numeric(Numerics.ERR_UNKNOWNERROR, "MONITOR", ReplyLines.SafeParam(sub), "Unknown subcommand");
                break;
        }
    }

    private static async ValueTask MonitorAddAsync(Session s, string targets)
    {
        // Only nicks can be monitored, never masks (the spec's privacy rule); others are skipped, as Ergo does.
        var nickLength = s.Server.Options.Limits.NickLength;
        var nicks = targets.Split(',', StringSplitOptions.RemoveEmptyEntries).Where(n => NickRules.IsValid(n, nickLength)).ToList();
        var (added, rejected) = s.Network.MonitorAdd(s.User, nicks, out var watching);
        // A cluster: the other nodes know of the new watches before anyone is asked who holds
        // the nicks, so a user coming online elsewhere meanwhile is either seen now or told later.
        await watching;
        await SendStatusAsync(s, added);
        MetadataCommands.SendForMonitor(s, added.Where(a => a.Online is not null).Select(a => a.Online!));
        if (rejected.Count > 0)
        {
            s.Numeric(Numerics.ERR_MONLISTFULL, IrcNetwork.MaxMonitorTargets.ToString(System.Globalization.CultureInfo.InvariantCulture),
                string.Join(',', rejected), "Monitor list is full.");
        }
    }

    /// <summary>
    /// RPL_MONONLINE for the targets online (as nick!user@host), RPL_MONOFFLINE for the others.
    /// In a cluster a target no user of this node holds is asked of the nick's grain (online on
    /// another node: as nick!user@host if that node said so already, else as the nick).
    /// </summary>
    private static async ValueTask SendStatusAsync(Session s, List<(string Nick, IrcUser? Online)> targets)
    {
        var online = targets.Where(t => t.Online is not null).Select(t => t.Online!.Prefix).ToList();
        var offline = targets.Where(t => t.Online is null).Select(t => t.Nick).ToList();
        if (s.Network.Link is { } link && offline.Count > 0)
        {
            IReadOnlyList<string> elsewhere;
            try
            {
                elsewhere = await link.OnlineElsewhereAsync(offline);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Not known now: shown offline, and told when it changes.
                elsewhere = [];
            }
            if (elsewhere.Count > 0)
            {
                var known = s.Network.MonitoredOnlineElsewhere(elsewhere);
                foreach (var nick in elsewhere)
                {
                    online.Add(known.Find(p => s.Network.CaseMapping.Equals(p.Split('!')[0], nick)) ?? nick);
                }
                offline.RemoveAll(n => elsewhere.Any(e => s.Network.CaseMapping.Equals(e, n)));
            }
        }
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
