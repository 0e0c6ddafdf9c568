namespace Parley.ClusterLoad;

/// <summary>What the tool needs to know about a line from the server.</summary>
internal enum LineKind
{
    Other,
    Privmsg,
    Numeric,
    Ping,
    Error,
}

/// <summary>
/// Classifies one line from the server (without its CRLF), on spans, allocating nothing:
/// <c>[@tags] [:prefix] COMMAND params…</c> (https://modern.ircdocs.horse/#messages).
/// </summary>
internal static class IrcLine
{
    /// <summary>
    /// <paramref name="rest"/> is, for PRIVMSG, the text (the trailing parameter without its ':');
    /// for PING, the parameters as received (to echo in the PONG); otherwise the parameters.
    /// <paramref name="numeric"/> is the reply number for a numeric, else 0.
    /// </summary>
    public static LineKind Classify(ReadOnlySpan<byte> line, out int numeric, out ReadOnlySpan<byte> rest)
    {
        numeric = 0;
        rest = default;
        if (line.Length > 0 && line[0] == (byte)'@')
        {
            var sp = line.IndexOf((byte)' ');
            if (sp < 0)
            {
                return LineKind.Other;
            }
            line = line[(sp + 1)..].TrimStart((byte)' ');
        }
        if (line.Length > 0 && line[0] == (byte)':')
        {
            var sp = line.IndexOf((byte)' ');
            if (sp < 0)
            {
                return LineKind.Other;
            }
            line = line[(sp + 1)..].TrimStart((byte)' ');
        }
        var end = line.IndexOf((byte)' ');
        var command = end < 0 ? line : line[..end];
        var args = end < 0 ? [] : line[(end + 1)..];
        if (command.SequenceEqual("PRIVMSG"u8))
        {
            // PRIVMSG <target> :<text>
            var sp = args.IndexOf((byte)' ');
            if (sp < 0)
            {
                return LineKind.Other;
            }
            var text = args[(sp + 1)..];
            rest = text.Length > 0 && text[0] == (byte)':' ? text[1..] : text;
            return LineKind.Privmsg;
        }
        rest = args;
        if (command.Length == 3 && IsDigit(command[0]) && IsDigit(command[1]) && IsDigit(command[2]))
        {
            numeric = ((command[0] - '0') * 100) + ((command[1] - '0') * 10) + (command[2] - '0');
            return LineKind.Numeric;
        }
        if (command.SequenceEqual("PING"u8))
        {
            return LineKind.Ping;
        }
        return command.SequenceEqual("ERROR"u8) ? LineKind.Error : LineKind.Other;
    }

    private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';
}
