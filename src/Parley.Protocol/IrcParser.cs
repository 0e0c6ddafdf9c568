using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Unicode;

namespace Parley.Protocol;

/// <summary>
/// Parses one framed line (CR/LF already stripped) into an <see cref="IrcMessage"/>.
/// Stateless and thread-safe.
/// </summary>
/// <remarks>
/// Grammar: https://modern.ircdocs.horse/#message-format and
/// https://ircv3.net/specs/extensions/message-tags.
/// <code>[ '@' tags SPACE ] [ ':' source SPACE ] command *( SPACE param ) [ SPACE ':' trailing ]</code>
/// Parameters are separated by one or more spaces; after 14 middle parameters the rest of the
/// line is the 15th even without a ':' (RFC 1459 §2.3.1).
/// </remarks>
public static class IrcParser
{
    private static readonly SearchValues<byte> ForbiddenBytes = SearchValues.Create("\0\r\n"u8);

    /// <summary>Up to this many tags, duplicates are found by a linear search; past it, by a dictionary.</summary>
    private const int LinearTagSearchLimit = 8;

    private static readonly SearchValues<char> AsciiLetters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    public static bool TryParse(ReadOnlySpan<byte> line, [NotNullWhen(true)] out IrcMessage? message, out ParseError error)
        => TryParse(line, out message, out error, out _);

    /// <param name="line">One line without its line ending.</param>
    /// <param name="message">The message, when the result is true.</param>
    /// <param name="error">Why parsing failed, when the result is false.</param>
    /// <param name="validUtf8">False when the line held bytes that are not UTF-8; they were decoded as U+FFFD.</param>
    public static bool TryParse(ReadOnlySpan<byte> line, [NotNullWhen(true)] out IrcMessage? message, out ParseError error, out bool validUtf8)
    {
        message = null;
        validUtf8 = Utf8.IsValid(line);
        List<IrcTag>? tags = null;

        // NUL, CR and LF may appear nowhere in a message (Modern IRC grammar). A bare CR reaches
        // us because the framer only ends lines at LF; relaying it would let a client smuggle a
        // second line to peers that do treat CR as a line ending.
        if (line.IndexOfAny(ForbiddenBytes) >= 0)
        {
            error = ParseError.Malformed;
            return false;
        }

        var pos = SkipSpaces(line, 0);
        if (pos < line.Length && line[pos] == (byte)'@')
        {
            var end = line[pos..].IndexOf((byte)' ');
            if (end < 0)
            {
                error = ParseError.Malformed;
                return false;
            }
            // The limit counts the '@' and the space that ends the tags.
            if (end + 1 > IrcLimits.MaxTagsBytes)
            {
                error = ParseError.TagsTooLong;
                return false;
            }
            tags = ParseTags(line.Slice(pos + 1, end - 1));
            pos = SkipSpaces(line, pos + end + 1);
        }

        var body = line[pos..];
        // Trailing spaces after the last parameter do not count against the limit.
        if (body.Length > IrcLimits.MaxLineBodyBytes && body.TrimEnd((byte)' ').Length > IrcLimits.MaxLineBodyBytes)
        {
            error = ParseError.LineTooLong;
            return false;
        }
        if (body.IsEmpty)
        {
            error = tags is null ? ParseError.Empty : ParseError.Malformed;
            return false;
        }

        var text = Encoding.UTF8.GetString(body).AsSpan();
        string? source = null;
        if (text[0] == ':')
        {
            var sp = text.IndexOf(' ');
            if (sp < 0)
            {
                error = ParseError.Malformed;
                return false;
            }
            source = text[1..sp].ToString();
            text = text[(sp + 1)..].TrimStart(' ');
            if (text.IsEmpty)
            {
                error = ParseError.Malformed;
                return false;
            }
        }

        var cmdEnd = text.IndexOf(' ');
        var cmdSpan = cmdEnd < 0 ? text : text[..cmdEnd];
        if (!IsValidVerb(cmdSpan))
        {
            error = ParseError.Malformed;
            return false;
        }
        var command = UpperAscii(cmdSpan);
        text = cmdEnd < 0 ? [] : text[(cmdEnd + 1)..];

        var parameters = new List<string>();
        while (true)
        {
            text = text.TrimStart(' ');
            if (text.IsEmpty)
            {
                break;
            }
            if (text[0] == ':')
            {
                parameters.Add(text[1..].ToString());
                break;
            }
            if (parameters.Count == IrcLimits.MaxParameters - 1)
            {
                parameters.Add(text.ToString());
                break;
            }
            var sp = text.IndexOf(' ');
            if (sp < 0)
            {
                parameters.Add(text.ToString());
                break;
            }
            parameters.Add(text[..sp].ToString());
            text = text[(sp + 1)..];
        }

        message = new IrcMessage(tags, source, command, parameters);
        error = ParseError.None;
        return true;
    }

    /// <summary>Parses a string line; for tests and tools.</summary>
    public static IrcMessage Parse(string line)
    {
        var bytes = Encoding.UTF8.GetBytes(line.TrimEnd('\r', '\n'));
        return TryParse(bytes, out var message, out var error)
            ? message
            : throw new FormatException($"Cannot parse IRC line ({error}): {line}");
    }

    /// <summary>
    /// A verb is any token that does not start with ':' or '@' (it would read back as a source
    /// or as tags) and holds no control character.
    /// Modern IRC's grammar (<c>letter* / 3digit</c>) is narrower, but a server answers an
    /// unknown or odd verb with 421 ERR_UNKNOWNCOMMAND rather than dropping the line (as Ergo
    /// and InspIRCd do), so the parser lets the dispatcher decide.
    /// </summary>
    private static bool IsValidVerb(ReadOnlySpan<char> verb)
    {
        if (verb.IsEmpty || verb[0] is ':' or '@')
        {
            return false;
        }
        foreach (var c in verb)
        {
            if (char.IsControl(c))
            {
                return false;
            }
        }
        return true;
    }

    private static int SkipSpaces(ReadOnlySpan<byte> line, int pos)
    {
        while (pos < line.Length && line[pos] == (byte)' ')
        {
            pos++;
        }
        return pos;
    }

    private static List<IrcTag> ParseTags(ReadOnlySpan<byte> raw)
    {
        var tags = new List<IrcTag>();
        Dictionary<string, int>? index = null;
        var text = Encoding.UTF8.GetString(raw).AsSpan();
        foreach (var range in text.Split(';'))
        {
            var item = text[range];
            if (item.IsEmpty)
            {
                continue;
            }
            var eq = item.IndexOf('=');
            var key = (eq < 0 ? item : item[..eq]).ToString();
            if (key.Length == 0)
            {
                continue;
            }
            // A missing value and an empty value are the same (message-tags spec); so is a value
            // that unescapes to nothing, such as a lone trailing backslash.
            string? value = eq < 0 ? null : TagEscaping.Unescape(item[(eq + 1)..]);
            if (value?.Length == 0)
            {
                value = null;
            }
            // When a key repeats, the last one wins (tag order carries no meaning, so it takes
            // the first one's place). Past a few tags the keys are indexed: 8191 bytes hold
            // thousands of tags, and a linear search per tag would be quadratic on untrusted input.
            int existing;
            if (index is not null)
            {
                existing = index.TryGetValue(key, out var i) ? i : -1;
            }
            else
            {
                existing = tags.FindIndex(t => t.Key == key);
            }
            if (existing >= 0)
            {
                tags[existing] = new IrcTag(key, value);
                continue;
            }
            tags.Add(new IrcTag(key, value));
            if (index is not null)
            {
                index[key] = tags.Count - 1;
            }
            else if (tags.Count > LinearTagSearchLimit)
            {
                index = new Dictionary<string, int>(StringComparer.Ordinal);
                for (var i = 0; i < tags.Count; i++)
                {
                    index[tags[i].Key] = i;
                }
            }
        }
        return tags;
    }

    private static string UpperAscii(ReadOnlySpan<char> s)
    {
        var hasLower = false;
        foreach (var c in s)
        {
            if (c is >= 'a' and <= 'z')
            {
                hasLower = true;
                break;
            }
        }
        if (!hasLower)
        {
            return CommandNames.Intern(s);
        }
        Span<char> buf = s.Length <= 64 ? stackalloc char[s.Length] : new char[s.Length];
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            buf[i] = c is >= 'a' and <= 'z' ? (char)(c - 32) : c;
        }
        return CommandNames.Intern(buf);
    }
}
