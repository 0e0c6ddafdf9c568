namespace Parley.Server.Commands;

/// <summary>Nick syntax. https://modern.ircdocs.horse/#clients</summary>
public static class NickRules
{
    private const string Special = "[]\\`_^{|}";

    public static bool IsValid(string nick, int maxLength)
    {
        if (nick.Length == 0 || nick.Length > maxLength)
        {
            return false;
        }
        var first = nick[0];
        if (!(char.IsAsciiLetter(first) || Special.Contains(first)))
        {
            return false;
        }
        foreach (var c in nick)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || Special.Contains(c) || c == '-'))
            {
                return false;
            }
        }
        return true;
    }
}
