namespace Parley.Server.Network;

/// <summary>
/// Extended ban masks: <c>&lt;type&gt;:&lt;mask&gt;</c> in a ban or exception list, with no
/// prefix character (ISUPPORT <c>EXTBAN=,am</c> and <c>ACCOUNTEXTBAN=a</c>, as Ergo).
/// https://defs.ircdocs.horse/defs/isupport.html#extban and
/// https://ircv3.net/specs/extensions/account-extban
/// </summary>
public static class ExtBans
{
    /// <summary>The mute extban: a matching user may join but not speak unless voiced or opped.</summary>
    public const char Mute = 'm';

    /// <summary>
    /// The account extban: <c>a:name</c> matches users logged in to that account (a glob,
    /// compared with the casemapping), never a user who is not logged in. It counts as an
    /// ordinary mask in +b, +e and +I.
    /// </summary>
    public const char Account = 'a';

    /// <summary>The extban types we know.</summary>
    public const string Types = "am";

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
