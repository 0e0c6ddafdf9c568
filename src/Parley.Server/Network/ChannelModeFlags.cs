namespace Parley.Server.Network;

/// <summary>Channel flag modes (no parameter). https://modern.ircdocs.horse/#channel-modes</summary>
[Flags]
public enum ChannelModeFlags
{
    None = 0,
    InviteOnly = 1 << 0,   // i
    Moderated = 1 << 1,    // m
    NoExternal = 1 << 2,   // n
    Secret = 1 << 3,       // s
    TopicLock = 1 << 4,    // t
}

/// <summary>An entry of a ban, exception or invite-exception list.</summary>
public sealed record ListEntry(string Mask, string SetBy, DateTimeOffset SetAt);
