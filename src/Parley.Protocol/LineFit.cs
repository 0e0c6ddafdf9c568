using System.Text;

namespace Parley.Protocol;

/// <summary>Keeps lines a server writes within the 512-byte limit (Modern IRC).</summary>
public static class LineFit
{
    /// <summary>
    /// Shortens the longest parameters (not the first, the recipient or target, unless it is the only one) until
    /// <c>:source COMMAND params</c> fits <see cref="IrcLimits.MaxLineBodyBytes"/>: a numeric that
    /// echoes what a client sent (an erroneous 500-byte nick, say) must still be a legal line.
    /// Cuts on UTF-8 character boundaries. Returns the same array when it already fits.
    /// </summary>
    public static string[] Fit(string? source, string command, string[] parameters)
    {
        var enc = Encoding.UTF8;
        // The trailing ':' counted whether or not it is needed: one byte of slack.
        var size = (source is null ? 0 : 1 + enc.GetByteCount(source) + 1) + enc.GetByteCount(command) + 1;
        foreach (var p in parameters)
        {
            size += 1 + enc.GetByteCount(p);
        }
        var excess = size - IrcLimits.MaxLineBodyBytes;
        if (excess <= 0)
        {
            return parameters;
        }
        var fitted = (string[])parameters.Clone();
        while (excess > 0)
        {
            // The first parameter (a nick, a target) stays whole unless it is the only one.
            var first = fitted.Length == 1 ? 0 : 1;
            var longest = first;
            for (var i = first + 1; i < fitted.Length; i++)
            {
                if (enc.GetByteCount(fitted[i]) > enc.GetByteCount(fitted[longest]))
                {
                    longest = i;
                }
            }
            if (longest >= fitted.Length)
            {
                break;
            }
            var bytes = enc.GetByteCount(fitted[longest]);
            var keep = Math.Max(1, bytes - excess);
            var cut = Truncate(fitted[longest], keep);
            if (cut.Length == 0)
            {
                // A parameter is never emptied: that would change how the line parses.
                cut = fitted[longest][..(char.IsSurrogatePair(fitted[longest], 0) ? 2 : 1)];
            }
            excess -= bytes - enc.GetByteCount(cut);
            if (cut.Length == fitted[longest].Length)
            {
                break;
            }
            fitted[longest] = cut;
        }
        return fitted;
    }

    /// <summary>The longest prefix of <paramref name="text"/> of at most <paramref name="maxBytes"/> UTF-8 bytes.</summary>
    public static string Truncate(string text, int maxBytes)
    {
        var bytes = 0;
        var i = 0;
        while (i < text.Length)
        {
            var step = char.IsSurrogatePair(text, i) ? 2 : 1;
            var n = Encoding.UTF8.GetByteCount(text.AsSpan(i, step));
            if (bytes + n > maxBytes)
            {
                break;
            }
            bytes += n;
            i += step;
        }
        return text[..i];
    }

}
