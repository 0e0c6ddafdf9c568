namespace Parley.Server.Network;

/// <summary>
/// Extended ban masks: <c>&lt;type&gt;:&lt;mask&gt;</c> in a ban or exception list, with no
/// prefix character (ISUPPORT <c>EXTBAN=,m</c>, as Ergo).
/// https://defs.ircdocs.horse/defs/isupport.html#extban
/// </summary>
public static class ExtBans
{
    /// <summary>The mute extban: a matching user may join but not speak unless voiced or opped.</summary>
    public const char Mute = 'm';

    /// <summary>The extban types we know.</summary>
    public const string Types = "m";

    /// <summary>
    /// Splits <c>m:nick!user@host</c> into its type and mask. A nick cannot hold ':', so a
    /// letter followed by ':' is never the start of an ordinary nick!user@host mask.
    /// </summary>
    public static bool TryParse(string mask, out char type, out string rest)
    {
        if (mask.Length >= 2 && char.IsAsciiLetter(mask[0]) && mask[1] == ':')
        {
            type = mask[0];
            rest = mask[2..];
            return true;
        }
        type = '\0';
        rest = mask;
        return false;
    }
}
