using System.Buffers;
using System.Text;

namespace Parley.Protocol;

/// <summary>Tag value escaping. https://ircv3.net/specs/extensions/message-tags#escaping-values</summary>
public static class TagEscaping
{
    private static readonly SearchValues<char> NeedsEscape = SearchValues.Create(";\\ \r\n\0");

    public static string Unescape(ReadOnlySpan<char> value)
    {
        if (value.IndexOf('\\') < 0)
        {
            return value.ToString();
        }
        var sb = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c != '\\')
            {
                sb.Append(c);
                continue;
            }
            if (i + 1 == value.Length)
            {
                // A trailing lone backslash is dropped.
                break;
            }
            var next = value[++i];
            sb.Append(next switch
            {
                ':' => ';',
                's' => ' ',
                '\\' => '\\',
                'r' => '\r',
                'n' => '\n',
                // An invalid escape drops the backslash and keeps the character.
                _ => next,
            });
        }
        return sb.ToString();
    }

    /// <summary>
    /// Escapes a value for the wire. NUL has no escape and the value grammar forbids it, so it is
    /// dropped: written raw it would become a space and end the tags section.
    /// </summary>
    public static string Escape(string value)
    {
        if (!value.AsSpan().ContainsAny(NeedsEscape))
        {
            return value;
        }
        var sb = new StringBuilder(value.Length + 8);
        foreach (var c in value)
        {
            switch (c)
            {
                case ';': sb.Append("\\:"); break;
                case ' ': sb.Append("\\s"); break;
                case '\\': sb.Append("\\\\"); break;
                case '\r': sb.Append("\\r"); break;
                case '\n': sb.Append("\\n"); break;
                case '\0': break;
                default: sb.Append(c); break;
            }
        }
        return sb.ToString();
    }
}
