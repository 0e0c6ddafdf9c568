using System.Text;

namespace Parley.Cli.Chat;

/// <summary>
/// The interactive screen: lines scroll above an input line that stays intact while they
/// arrive (the input line is erased, the new line printed, the input line drawn again).
/// Counts unread lines per conversation other than the current one; the prompt shows them.
/// </summary>
/// <remarks>Thread-safe: events and keystrokes both draw under one lock.</remarks>
internal sealed class ScreenView(TextWriter output) : IChatView
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _unread = new(StringComparer.OrdinalIgnoreCase);
    private readonly StringBuilder _input = new();
    private int _cursor;

    /// <summary>The conversation plain text goes to; set by the input loop.</summary>
    public Func<string?> Current { get; set; } = () => null;

    public void Show(string line, string? conversation = null)
    {
        lock (_gate)
        {
            if (conversation is not null && !string.Equals(conversation, Current(), StringComparison.OrdinalIgnoreCase))
            {
                _unread[conversation] = _unread.GetValueOrDefault(conversation) + 1;
            }
            output.Write("\r\x1b[2K");
            output.Write(line);
            output.Write("\r\n");
            DrawInputLocked();
        }
    }

    /// <summary>Conversations with unread lines, most first.</summary>
    public IReadOnlyList<(string Conversation, int Count)> Unread
    {
        get { lock (_gate) { return [.. _unread.OrderByDescending(u => u.Value).Select(u => (u.Key, u.Value))]; } }
    }

    public void MarkRead(string? conversation)
    {
        lock (_gate)
        {
            if (conversation is not null)
            {
                _unread.Remove(conversation);
            }
            DrawInputLocked();
        }
    }

    /// <summary>Replaces the input line's text and cursor, and redraws it.</summary>
    public void SetInput(string text, int cursor)
    {
        lock (_gate)
        {
            _input.Clear().Append(text);
            _cursor = Math.Clamp(cursor, 0, text.Length);
            DrawInputLocked();
        }
    }

    private void DrawInputLocked()
    {
        var prompt = Prompt();
        var width = Math.Max(20, SafeWidth() - 1);
        var room = Math.Max(5, width - prompt.Length);
        // Scroll the input horizontally so the cursor is always visible.
        var start = Math.Max(0, _cursor - room + 1);
        var visible = _input.ToString(start, Math.Min(room, _input.Length - start));
        output.Write("\r\x1b[2K");
        output.Write(prompt);
        output.Write(visible);
        var back = visible.Length - (_cursor - start);
        if (back > 0)
        {
            output.Write($"\x1b[{back}D");
        }
        output.Flush();
    }

    private string Prompt()
    {
        var current = Current();
        var sb = new StringBuilder();
        sb.Append('[').Append(current ?? "-").Append(']');
        var others = _unread.Where(u => u.Value > 0).OrderByDescending(u => u.Value).Take(4).ToList();
        if (others.Count > 0)
        {
            sb.Append(" (").AppendJoin(", ", others.Select(u => $"{u.Key}:{u.Value}")).Append(')');
        }
        sb.Append("> ");
        return sb.ToString();
    }

    private static int SafeWidth()
    {
        try
        {
            return Console.WindowWidth > 0 ? Console.WindowWidth : 80;
        }
        catch (IOException)
        {
            return 80;
        }
    }
}
