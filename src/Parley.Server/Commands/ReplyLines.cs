using System.Text;
using Parley.Protocol;
using Parley.Server.Sessions;

namespace Parley.Server.Commands;

/// <summary>
/// Shapes reply parameters: splits a list reply (319 channels, 302 USERHOST, 303 ISON, 732
/// MONITOR L, 730/731) over as many lines as it takes for each to stay within 512 bytes, and
/// keeps client-supplied text that must be a middle parameter from breaking the line.
/// </summary>
internal static class ReplyLines
{
    /// <summary>
    /// <paramref name="text"/> when it can be a middle parameter, else <c>*</c> (as Ergo's
    /// SafeErrorParam): a mask sent as a trailing parameter may hold spaces or be empty.
    /// </summary>
    public static string SafeParam(string text)
        => text.Length == 0 || text[0] == ':' || text.Contains(' ', StringComparison.Ordinal) ? "*" : text;

    /// <summary>
    /// The bytes left for the last parameter of a numeric to this session once the source,
    /// code, nick and <paramref name="fixedParams"/> are counted:
    /// <c>:server CODE nick fixed… :last</c> within <see cref="IrcLimits.MaxLineBodyBytes"/>.
    /// </summary>
    public static int Budget(Session s, params string[] fixedParams)
    {
        var used = 1 + Encoding.UTF8.GetByteCount(s.Server.Name) + 4 + 1 + Encoding.UTF8.GetByteCount(s.Nick) + 2;
        foreach (var p in fixedParams)
        {
            used += 1 + Encoding.UTF8.GetByteCount(p);
        }
        return IrcLimits.MaxLineBodyBytes - used;
    }

    /// <summary>
    /// Joins <paramref name="tokens"/> with <paramref name="separator"/> into lines of at most
    /// <paramref name="budget"/> UTF-8 bytes (a single longer token gets a line of its own).
    /// No tokens give no lines.
    /// </summary>
    public static List<string> Pack(IEnumerable<string> tokens, int budget, char separator = ' ')
    {
        var lines = new List<string>();
        var line = new StringBuilder();
        var bytes = 0;
        foreach (var token in tokens)
        {
            var n = Encoding.UTF8.GetByteCount(token);
            if (line.Length > 0 && bytes + 1 + n > budget)
            {
                lines.Add(line.ToString());
                line.Clear();
                bytes = 0;
            }
            if (line.Length > 0)
            {
                line.Append(separator);
                bytes++;
            }
            line.Append(token);
            bytes += n;
        }
        if (line.Length > 0)
        {
            lines.Add(line.ToString());
        }
        return lines;
    }
}
