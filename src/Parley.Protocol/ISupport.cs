using System.Buffers;
using System.Globalization;
using System.Text;

namespace Parley.Protocol;

/// <summary>
/// The RPL_ISUPPORT (005) tokens a server advertises, in order.
/// https://modern.ircdocs.horse/#rplisupport-005 and https://defs.ircdocs.horse/defs/isupport
/// Built at start-up, then only read: not safe to change while other threads read it.
/// </summary>
public sealed class ISupport
{
    /// <summary>At most this many tokens per 005 line, which keeps every line well under 512 bytes.</summary>
    public const int TokensPerLine = 13;

    private static readonly SearchValues<char> NeedsEscape = SearchValues.Create(" \\=\0\r\n");

    private readonly List<KeyValuePair<string, string?>> _tokens = [];
    private string[][]? _lines;

    public IReadOnlyList<KeyValuePair<string, string?>> Tokens => _tokens;

    /// <summary>Adds or replaces a token; a null value advertises the bare name.</summary>
    public ISupport Set(string name, string? value = null)
    {
        var i = _tokens.FindIndex(t => t.Key == name);
        var pair = new KeyValuePair<string, string?>(name, value);
        _lines = null;
        if (i >= 0)
        {
            _tokens[i] = pair;
        }
        else
        {
            _tokens.Add(pair);
        }
        return this;
    }

    public string? Get(string name)
        => _tokens.FirstOrDefault(t => t.Key == name).Value;

    public bool Has(string name) => _tokens.Exists(t => t.Key == name);

    /// <summary>The tokens formatted as "NAME" or "NAME=value", values escaped per the spec.</summary>
    public IEnumerable<string> Formatted()
        => _tokens.Select(t => t.Value is null ? t.Key : $"{t.Key}={EscapeValue(t.Value)}");

    /// <summary>The tokens grouped for one 005 line each (made once, until the next <see cref="Set"/>).</summary>
    public IReadOnlyList<string[]> Lines() => _lines ??= [.. Formatted().Chunk(TokensPerLine)];

    /// <summary>
    /// ISUPPORT values escape space, backslash and '=' as \xHH (Modern IRC), and so NUL, CR and
    /// LF too: a parameter cannot hold them, and the writer would turn them into spaces that
    /// split the token in two.
    /// </summary>
    public static string EscapeValue(string value)
    {
        if (!value.AsSpan().ContainsAny(NeedsEscape))
        {
            return value;
        }
        var sb = new StringBuilder(value.Length + 8);
        foreach (var c in value)
        {
            if (NeedsEscape.Contains(c))
            {
                sb.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:X2}");
            }
            else
            {
                sb.Append(c);
            }
        }
        return sb.ToString();
    }
}
