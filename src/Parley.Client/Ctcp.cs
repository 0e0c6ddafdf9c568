namespace Parley.Client;

/// <summary>
/// CTCP framing inside PRIVMSG/NOTICE text: <c>\x01COMMAND arguments\x01</c> (the closing
/// \x01 may be missing). https://modern.ircdocs.horse/ctcp.html
/// </summary>
public static class Ctcp
{
    public const char Delimiter = '\x01';

    public static bool TryParse(string text, out string command, out string arguments)
    {
        command = "";
        arguments = "";
        if (text.Length < 2 || text[0] != Delimiter)
        {
            return false;
        }
        var body = text.AsSpan(1);
        if (body.Length > 0 && body[^1] == Delimiter)
        {
            body = body[..^1];
        }
        var space = body.IndexOf(' ');
        command = (space < 0 ? body : body[..space]).ToString().ToUpperInvariant();
        arguments = space < 0 ? "" : body[(space + 1)..].ToString();
        return command.Length > 0;
    }

    public static string Format(string command, string? arguments = null) =>
        string.IsNullOrEmpty(arguments) ? $"{Delimiter}{command}{Delimiter}" : $"{Delimiter}{command} {arguments}{Delimiter}";
}
