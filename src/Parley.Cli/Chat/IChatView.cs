namespace Parley.Cli.Chat;

/// <summary>Where the chat shows things: plain lines, or the interactive screen. Thread-safe.</summary>
internal interface IChatView
{
    /// <summary>Shows one line; <paramref name="conversation"/> is the nick or channel it belongs to, when it is a message.</summary>
    void Show(string line, string? conversation = null);
}
