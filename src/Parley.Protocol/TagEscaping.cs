using System.Text;

namespace Parley.Protocol;

/// <summary>Tag value escaping. https://ircv3.net/specs/extensions/message-tags#escaping-values</summary>
public static class TagEscaping
{
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

    public static string Escape(string value)
    {
        if (value.AsSpan().IndexOfAny(";\\ \r\n") < 0)
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
                default: sb.Append(c); break;
            }
        }
        return sb.ToString();
    }
}
