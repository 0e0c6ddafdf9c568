using System.Text;

namespace Parley.Server.Network;

/// <summary>
/// User modes a user sets on themselves with MODE, as pure functions.
/// https://modern.ircdocs.horse/#user-modes
/// </summary>
public static class UserModeChanges
{
    /// <summary>
    /// Parses a mode string like "+iw-B". Unknown letters are skipped and reported through
    /// <paramref name="unknown"/>. A letter with no sign before it counts as '+'.
    /// </summary>
    public static List<(bool Add, UserModes Mode, char Letter)> Parse(string modeString, out bool unknown)
    {
        var changes = new List<(bool, UserModes, char)>();
        unknown = false;
        var add = true;
        foreach (var c in modeString)
        {
            if (c is '+' or '-')
            {
                add = c == '+';
                continue;
            }
            var mode = UserModeChars.FromChar(c);
            if (mode == UserModes.None)
            {
                unknown = true;
                continue;
            }
            changes.Add((add, mode, c));
        }
        return changes;
    }

    /// <summary>
    /// Applies the changes a user may make to their own modes: i, w and B both ways; o only
    /// away (+o comes from OPER). Returns the new modes and the applied changes as a mode
    /// string ("+i-w"), empty when nothing changed.
    /// </summary>
    public static (UserModes Modes, string Applied) Apply(UserModes current, IEnumerable<(bool Add, UserModes Mode, char Letter)> changes)
    {
        var applied = new StringBuilder();
        char? sign = null;
        foreach (var (add, mode, letter) in changes)
        {
            if (add && mode == UserModes.Operator)
            {
                continue;
            }
            var next = add ? current | mode : current & ~mode;
            if (next == current)
            {
                continue;
            }
            current = next;
            var s = add ? '+' : '-';
            if (s != sign)
            {
                applied.Append(s);
                sign = s;
            }
            applied.Append(letter);
        }
        return (current, applied.ToString());
    }
}
