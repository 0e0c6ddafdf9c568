namespace Parley.Protocol;

/// <summary>One IRCv3 message tag. <see cref="Value"/> is unescaped; null means the tag had no value.</summary>
/// <remarks>https://ircv3.net/specs/extensions/message-tags</remarks>
public readonly record struct IrcTag(string Key, string? Value)
{
    /// <summary>Client-only tags start with '+' and are relayed between clients that negotiated message-tags.</summary>
    public bool IsClientOnly => Key.Length > 0 && Key[0] == '+';
}
