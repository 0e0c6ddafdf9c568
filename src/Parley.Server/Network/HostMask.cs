using Parley.Protocol;

namespace Parley.Server.Network;

/// <summary>Glob matching of nick!user@host masks ('*' any run, '?' one character), case-mapped.</summary>
public static class HostMask
{
    public static bool Matches(string pattern, string text, CaseMapping mapping)
    {
        // Iterative glob with backtracking to the last '*': O(n·m) worst case, no recursion.
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || mapping.Fold(pattern[p]) == mapping.Fold(text[t])))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = t;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++mark;
            }
            else
            {
                return false;
            }
        }
        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }
        return p == pattern.Length;
    }

    /// <summary>Completes a partial mask: "nick" → "nick!*@*", "user@host" → "*!user@host".</summary>
    public static string Normalize(string mask)
    {
        if (mask.Contains('!'))
        {
            return mask.Contains('@') ? mask : mask + "@*";
        }
        if (mask.Contains('@'))
        {
            return "*!" + mask;
        }
        return mask + "!*@*";
    }
}
