using System.Diagnostics.CodeAnalysis;

namespace Parley.Protocol;

/// <summary>
/// Nick and channel name comparison. https://modern.ircdocs.horse/#casemapping-parameter
/// <list type="bullet">
/// <item><c>ascii</c>: A-Z fold to a-z.</item>
/// <item><c>rfc1459</c>: also [ ] \ ~ fold to { } | ^ (Scandinavian heritage).</item>
/// </list>
/// Immutable; safe to share between threads.
/// </summary>
public sealed class CaseMapping
{
    public static readonly CaseMapping Ascii = new("ascii", rfc1459: false);
    public static readonly CaseMapping Rfc1459 = new("rfc1459", rfc1459: true);

    private readonly bool _rfc1459;

    private CaseMapping(string name, bool rfc1459)
    {
        Name = name;
        _rfc1459 = rfc1459;
        // Built once here rather than lazily, so concurrent first readers share one instance.
        Comparer = new FoldingComparer(this);
    }

    /// <summary>The value advertised as CASEMAPPING in ISUPPORT.</summary>
    public string Name { get; }

    public static bool TryGet(string name, [MaybeNullWhen(false)] out CaseMapping mapping)
    {
        mapping = name.ToLowerInvariant() switch
        {
            "ascii" => Ascii,
            "rfc1459" => Rfc1459,
            _ => null,
        };
        return mapping is not null;
    }

    public char Fold(char c) => c switch
    {
        >= 'A' and <= 'Z' => (char)(c + 32),
        '[' when _rfc1459 => '{',
        ']' when _rfc1459 => '}',
        '\\' when _rfc1459 => '|',
        '~' when _rfc1459 => '^',
        _ => c,
    };

    /// <summary>The folded form; returns the same instance when nothing changes.</summary>
    public string Fold(string s)
    {
        var i = 0;
        for (; i < s.Length; i++)
        {
            if (Fold(s[i]) != s[i])
            {
                break;
            }
        }
        if (i == s.Length)
        {
            return s;
        }
        return string.Create(s.Length, (s, this), static (span, state) =>
        {
            for (var j = 0; j < span.Length; j++)
            {
                span[j] = state.Item2.Fold(state.s[j]);
            }
        });
    }

    public bool Equals(string a, string b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }
        for (var i = 0; i < a.Length; i++)
        {
            if (Fold(a[i]) != Fold(b[i]))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>A comparer for dictionaries keyed by nick or channel name.</summary>
    public IEqualityComparer<string> Comparer { get; }

    private sealed class FoldingComparer(CaseMapping mapping) : IEqualityComparer<string>
    {
        public bool Equals(string? x, string? y)
            => x is null || y is null ? ReferenceEquals(x, y) : mapping.Equals(x, y);

        public int GetHashCode(string obj)
        {
            var hash = new HashCode();
            foreach (var c in obj)
            {
                hash.Add(mapping.Fold(c));
            }
            return hash.ToHashCode();
        }
    }
}
