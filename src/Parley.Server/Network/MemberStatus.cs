namespace Parley.Server.Network;

/// <summary>A member's channel prefixes. Higher bits rank higher.</summary>
[Flags]
public enum MemberStatus
{
    None = 0,
    Voice = 1 << 0,      // v, '+'
    Operator = 1 << 1,   // o, '@'
}

public static class MemberPrefixes
{
    /// <summary>ISUPPORT PREFIX, highest rank first.</summary>
    public const string ISupportValue = "(ov)@+";

    /// <summary>STATUSMSG: the prefixes a message can target.</summary>
    public const string StatusMsg = "@+";

    public static MemberStatus FromModeChar(char c) => c switch
    {
        'o' => MemberStatus.Operator,
        'v' => MemberStatus.Voice,
        _ => MemberStatus.None,
    };

    public static MemberStatus FromPrefixChar(char c) => c switch
    {
        '@' => MemberStatus.Operator,
        '+' => MemberStatus.Voice,
        _ => MemberStatus.None,
    };

    /// <summary>The prefixes to show: all of them with multi-prefix, else only the highest.</summary>
    public static string ToPrefixes(MemberStatus status, bool multiPrefix)
    {
        if (status == MemberStatus.None)
        {
            return "";
        }
        if (!multiPrefix)
        {
            return status.HasFlag(MemberStatus.Operator) ? "@" : "+";
        }
        var s = "";
        if (status.HasFlag(MemberStatus.Operator)) { s += "@"; }
        if (status.HasFlag(MemberStatus.Voice)) { s += "+"; }
        return s;
    }

    /// <summary>Whether <paramref name="status"/> is at least <paramref name="minimum"/> (a single rank).</summary>
    public static bool AtLeast(MemberStatus status, MemberStatus minimum)
        => minimum == MemberStatus.None || (int)status >= (int)minimum || (status & ~(minimum - 1)) != 0;
}
