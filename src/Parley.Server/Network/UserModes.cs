namespace Parley.Server.Network;

/// <summary>User modes. https://modern.ircdocs.horse/#user-modes</summary>
[Flags]
public enum UserModes
{
    None = 0,
    Invisible = 1 << 0,   // i
    Wallops = 1 << 1,     // w
    Operator = 1 << 2,    // o
    Bot = 1 << 3,         // B
}

public static class UserModeChars
{
    public const string Supported = "Biow";

    public static UserModes FromChar(char c) => c switch
    {
        'i' => UserModes.Invisible,
        'w' => UserModes.Wallops,
        'o' => UserModes.Operator,
        'B' => UserModes.Bot,
        _ => UserModes.None,
    };

    public static string ToModeString(UserModes modes)
    {
        var s = "+";
        if (modes.HasFlag(UserModes.Bot)) { s += "B"; }
        if (modes.HasFlag(UserModes.Invisible)) { s += "i"; }
        if (modes.HasFlag(UserModes.Operator)) { s += "o"; }
        if (modes.HasFlag(UserModes.Wallops)) { s += "w"; }
        return s;
    }
}
