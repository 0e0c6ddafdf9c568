namespace Parley.Protocol;

/// <summary>
/// The RPL_ISUPPORT (005) tokens a server advertises, in order.
/// https://modern.ircdocs.horse/#rplisupport-005 and https://defs.ircdocs.horse/defs/isupport
/// </summary>
public sealed class ISupport
{
    /// <summary>At most this many tokens per 005 line, which keeps every line well under 512 bytes.</summary>
    public const int TokensPerLine = 13;

    private readonly List<KeyValuePair<string, string?>> _tokens = [];

    public IReadOnlyList<KeyValuePair<string, string?>> Tokens => _tokens;

    /// <summary>Adds or replaces a token; a null value advertises the bare name.</summary>
    public ISupport Set(string name, string? value = null)
    {
        var i = _tokens.FindIndex(t => t.Key == name);
        var pair = new KeyValuePair<string, string?>(name, value);
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

    /// <summary>The tokens grouped for one 005 line each.</summary>
    public IEnumerable<string[]> Lines() => Formatted().Chunk(TokensPerLine);

    /// <summary>ISUPPORT values escape space, backslash and '=' as \xHH.</summary>
    public static string EscapeValue(string value)
    {
        if (value.AsSpan().IndexOfAny(" \\=") < 0)
        {
            return value;
        }
        return value.Replace("\\", "\\x5C", StringComparison.Ordinal)
            .Replace(" ", "\\x20", StringComparison.Ordinal)
            .Replace("=", "\\x3D", StringComparison.Ordinal);
    }
}
