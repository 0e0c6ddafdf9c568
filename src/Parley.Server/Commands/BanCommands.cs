using System.Globalization;
using Parley.Protocol;
using Parley.Server.Security;
using Parley.Server.Sessions;

namespace Parley.Server.Commands;

/// <summary>
/// Server bans, operators only, in the form most servers and clients know (Hybrid, Solanum,
/// InspIRCd): <c>KLINE [minutes] user@host :reason</c> (checked when a client registers),
/// <c>DLINE [minutes] address-or-block :reason</c> (checked when it connects), UNKLINE,
/// UNDLINE; <c>STATS k</c> and <c>STATS d</c> list them. Kept in the data directory
/// (<see cref="ServerBans"/>). Those connected who match are disconnected at once.
/// </summary>
internal static class BanCommands
{
    public const string RPL_STATSKLINE = "216";
    public const string RPL_STATSDLINE = "225";

    public static void Register(CommandTable t)
    {
        t.Add(new("KLINE", (s, m) => AddAsync(s, m, BanKind.KLine), MinParams: 1, OperOnly: true));
        t.Add(new("DLINE", (s, m) => AddAsync(s, m, BanKind.DLine), MinParams: 1, OperOnly: true));
        t.Add(new("UNKLINE", (s, m) => RemoveAsync(s, m, BanKind.KLine), MinParams: 1, OperOnly: true));
        t.Add(new("UNDLINE", (s, m) => RemoveAsync(s, m, BanKind.DLine), MinParams: 1, OperOnly: true));
    }

    private static ValueTask AddAsync(Session s, IrcMessage m, BanKind kind)
    {
        var verb = kind == BanKind.KLine ? "KLINE" : "DLINE";
        var p = m.Parameters;
        var i = 0;
        int? minutes = null;
        if (p.Count > 1 && int.TryParse(p[0], NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            minutes = n == 0 ? null : n;
            i = 1;
        }
        var mask = p[i];
        var reason = p.Count > i + 1 && p[i + 1].Length > 0 ? p[i + 1] : "No reason given";
        if (kind == BanKind.KLine)
        {
            mask = mask.Contains('@', StringComparison.Ordinal) ? mask : "*@" + mask;
            if (mask.EndsWith('@') || mask.Any(c => c is ' ' or ',' || char.IsControl(c)))
            {
                s.Fail(verb, "INVALID_MASK", $"{mask} is not a user@host mask");
                return ValueTask.CompletedTask;
            }
        }
        else if (!ServerBans.TryParseDLine(mask, out _))
        {
            s.Fail(verb, "INVALID_MASK", $"{mask} is not an address or address block (for example 192.0.2.0/24)");
            return ValueTask.CompletedTask;
        }
        var now = s.Network.Now;
        var ban = new ServerBan(kind, mask, reason, s.User.OperName ?? s.Nick, now, minutes is { } mins ? now.AddMinutes(mins) : null);
        try
        {
            s.Server.Bans.Add(ban);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            s.Fail(verb, "STORAGE_ERROR", "The ban list could not be saved: " + ex.Message);
            return ValueTask.CompletedTask;
        }
        var kicked = DisconnectMatching(s, ban);
        var length = minutes is { } m2 ? $"{m2} minutes" : "permanent";
        s.Reply("NOTICE", s.Nick, $"Added {(kind == BanKind.KLine ? "K" : "D")}-line for {mask} ({length}): {reason}; {kicked} disconnected");
        return ValueTask.CompletedTask;
    }

    private static ValueTask RemoveAsync(Session s, IrcMessage m, BanKind kind)
    {
        var mask = m.Parameters[0];
        if (kind == BanKind.KLine && !mask.Contains('@', StringComparison.Ordinal))
        {
            mask = "*@" + mask;
        }
        bool removed;
        try
        {
            removed = s.Server.Bans.Remove(kind, mask);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            s.Fail(kind == BanKind.KLine ? "UNKLINE" : "UNDLINE", "STORAGE_ERROR", "The ban list could not be saved: " + ex.Message);
            return ValueTask.CompletedTask;
        }
        var letter = kind == BanKind.KLine ? "K" : "D";
        s.Reply("NOTICE", s.Nick, removed ? $"Removed {letter}-line for {mask}" : $"No {letter}-line for {mask}");
        return ValueTask.CompletedTask;
    }

    /// <summary>STATS k / STATS d.</summary>
    public static void SendStats(Session s, BanKind kind)
    {
        foreach (var ban in s.Server.Bans.List(kind))
        {
            var expires = ban.Expires is { } e ? $" (until {e.UtcDateTime:yyyy-MM-dd HH:mm} UTC)" : "";
            if (kind == BanKind.KLine)
            {
                var at = ban.Mask.LastIndexOf('@');
                s.Numeric(RPL_STATSKLINE, "K", ban.Mask[(at + 1)..], "*", ban.Mask[..at], $"{ban.Reason}{expires} [{ban.SetBy}]");
            }
            else
            {
                s.Numeric(RPL_STATSDLINE, "D", ban.Mask, $"{ban.Reason}{expires} [{ban.SetBy}]");
            }
        }
    }

    /// <summary>The reason a banned client is shown when it is closed.</summary>
    public static string ClosingReason(ServerBan ban) => $"{(ban.Kind == BanKind.KLine ? "K" : "D")}-Lined: {ban.Reason}";

    private static int DisconnectMatching(Session actor, ServerBan ban)
    {
        var n = 0;
        foreach (var other in actor.Server.Sessions)
        {
            if (other == actor || other.IsClosing)
            {
                continue;
            }
            var u = other.User;
            var matches = ban.Kind == BanKind.KLine
                ? other.IsRegistered && actor.Server.Bans.MatchUser(u.Username.TrimStart('~'), u.RealHost, u.Host) == ban
                : System.Net.IPAddress.TryParse(u.RealHost, out var ip) && actor.Server.Bans.MatchAddress(ip) == ban;
            if (matches)
            {
                other.Disconnect(ClosingReason(ban));
                n++;
            }
        }
        return n;
    }
}
