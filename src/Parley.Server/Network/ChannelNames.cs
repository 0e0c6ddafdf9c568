namespace Parley.Server.Network;

/// <summary>Channel name rules. https://modern.ircdocs.horse/#channels</summary>
public static class ChannelNames
{
    /// <summary>ISUPPORT CHANTYPES.</summary>
    public const string Types = "#";

    /// <summary>ISUPPORT CHANNELLEN.</summary>
    public const int MaxLength = 64;

    public static bool IsChannel(string target) => target.Length > 0 && Types.Contains(target[0]);

    public static bool IsValid(string name)
    {
        if (name.Length < 2 || name.Length > MaxLength || !IsChannel(name))
        {
            return false;
        }
        foreach (var c in name)
        {
            if (c is ' ' or ',' or '\x07' or '\0' or '\r' or '\n' or ':')
            {
                return false;
            }
        }
        return true;
    }
}
