namespace Parley.Protocol;

/// <summary>
/// Interns the verbs the server knows so that parsing a common command allocates no string
/// for its name. Unknown verbs get a fresh string.
/// </summary>
internal static class CommandNames
{
    private static readonly string[] Known =
    [
        "PRIVMSG", "NOTICE", "TAGMSG", "PING", "PONG", "JOIN", "PART", "NICK", "USER", "CAP", "PASS",
        "QUIT", "MODE", "TOPIC", "NAMES", "LIST", "INVITE", "KICK", "WHO", "WHOIS", "WHOWAS", "ISON",
        "USERHOST", "AWAY", "MONITOR", "LUSERS", "MOTD", "VERSION", "TIME", "INFO", "ADMIN", "HELP",
        "LINKS", "STATS", "OPER", "KILL", "WALLOPS", "REHASH", "SETNAME", "BATCH", "AUTHENTICATE",
        "ERROR", "CHATHISTORY", "MARKREAD", "REDACT", "REGISTER", "VERIFY", "METADATA", "HELPOP",
    ];

    private static readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> Lookup =
        Known.ToDictionary(k => k, k => k, StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();

    public static string Intern(ReadOnlySpan<char> upper)
        => Lookup.TryGetValue(upper, out var known) ? known : upper.ToString();
}
