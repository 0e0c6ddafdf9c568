using Parley.Protocol;
using Parley.Server.Sessions;

namespace Parley.Server.Commands;

/// <summary>Server queries: MOTD, LUSERS. https://modern.ircdocs.horse/#server-queries-and-commands</summary>
internal static partial class ServerQueryCommands
{
    public static void Register(CommandTable t)
    {
        t.Add(new("MOTD", (s, m) => { SendMotd(s); return ValueTask.CompletedTask; }));
        t.Add(new("LUSERS", (s, m) => { SendLusers(s); return ValueTask.CompletedTask; }));
    }

    /// <summary>251–255, 265, 266. https://modern.ircdocs.horse/#lusers-message</summary>
    public static void SendLusers(Session s)
    {
        var c = s.Network.GetCounts();
        s.Numeric(Numerics.RPL_LUSERCLIENT, $"There are {c.Visible} users and {c.Invisible} invisible on 1 servers");
        s.Numeric(Numerics.RPL_LUSEROP, c.Operators.ToString(System.Globalization.CultureInfo.InvariantCulture), "operator(s) online");
        s.Numeric(Numerics.RPL_LUSERUNKNOWN, c.Unknown.ToString(System.Globalization.CultureInfo.InvariantCulture), "unknown connection(s)");
        s.Numeric(Numerics.RPL_LUSERCHANNELS, c.Channels.ToString(System.Globalization.CultureInfo.InvariantCulture), "channels formed");
        s.Numeric(Numerics.RPL_LUSERME, $"I have {c.Total} clients and 0 servers");
        var total = c.Total.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var max = c.MaxUsers.ToString(System.Globalization.CultureInfo.InvariantCulture);
        s.Numeric(Numerics.RPL_LOCALUSERS, total, max, $"Current local users {total}, max {max}");
        s.Numeric(Numerics.RPL_GLOBALUSERS, total, max, $"Current global users {total}, max {max}");
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
