using System.Text;
using System.Threading.Channels;

namespace Parley.Cli.Chat;

/// <summary>
/// Interactive mode on System.Console: a line editor (cursor keys, Home/End, Ctrl-U), input
/// history (Up/Down), tab completion of commands and nicks, and conversation switching
/// (Ctrl-N: the next one with unread lines; /switch NAME). Keys are read on one thread and
/// finished lines handed to the command loop, so arriving messages never wait for typing.
/// </summary>
internal static class InteractiveConsole
{
    /// <summary>Input lines remembered for Up/Down.</summary>
    private const int HistoryLimit = 500;

    public static async Task<int> RunAsync(ChatOptions options)
    {
        var view = new ScreenView(Console.Out);
        await using var session = new ChatSession(options, view);
        view.Current = () => session.Current;
        var lines = Channel.CreateBounded<string>(16);
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            lines.Writer.TryWrite("/exit");
        };
        var editor = new Thread(() => EditLoop(view, session, lines.Writer)) { IsBackground = true, Name = "parley chat input" };
        view.SetInput("", 0);
        await session.StartAsync();
        editor.Start();
        await foreach (var line in lines.Reader.ReadAllAsync())
        {
            var before = session.Current;
            if (Echo(line) is { } echo)
            {
                view.Show(echo);
            }
            if (!await session.ExecuteAsync(line))
            {
                Console.Out.Write("\r\x1b[2K");
                return 0;
            }
            if (!string.Equals(before, session.Current, StringComparison.OrdinalIgnoreCase))
            {
                view.MarkRead(session.Current);
            }
        }
        return 0;
    }

    /// <summary>
    /// The command as it stays in the scrollback, so the screen reads as a transcript; null for
    /// messages, which show themselves. A /login's password is masked.
    /// </summary>
    internal static string? Echo(string line)
    {
        if (!line.StartsWith('/') || line.StartsWith("//", StringComparison.Ordinal))
        {
            return null;
        }
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var verb = words[0].ToLowerInvariant();
        if (verb is "/msg" or "/query" or "/me")
        {
            return null;
        }
        if (verb == "/login" && words.Length >= 3)
        {
            words[2] = new string('*', 8);
        }
        return "» " + string.Join(' ', words);
    }

    private static void EditLoop(ScreenView view, ChatSession session, ChannelWriter<string> lines)
    {
        var input = new StringBuilder();
        var cursor = 0;
        var history = new List<string>();
        var historyIndex = 0;
        while (true)
        {
            ConsoleKeyInfo key;
            try
            {
                key = Console.ReadKey(intercept: true);
            }
            catch (InvalidOperationException)
            {
                lines.TryWrite("/exit");
                return;
            }
            var ctrl = (key.Modifiers & ConsoleModifiers.Control) != 0;
            switch (key.Key)
            {
                case ConsoleKey.Enter:
                    var line = input.ToString();
                    input.Clear();
                    cursor = 0;
                    if (line.Length > 0)
                    {
                        history.Add(line);
                        if (history.Count > HistoryLimit)
                        {
                            history.RemoveAt(0);
                        }
                    }
                    historyIndex = history.Count;
                    view.SetInput("", 0);
                    if (!lines.TryWrite(line))
                    {
                        return;
                    }
                    continue;
                case ConsoleKey.Backspace:
                    if (cursor > 0)
                    {
                        input.Remove(--cursor, 1);
                    }
                    break;
                case ConsoleKey.Delete:
                    if (cursor < input.Length)
                    {
                        input.Remove(cursor, 1);
                    }
                    break;
                case ConsoleKey.LeftArrow:
                    cursor = Math.Max(0, cursor - 1);
                    break;
                case ConsoleKey.RightArrow:
                    cursor = Math.Min(input.Length, cursor + 1);
                    break;
                case ConsoleKey.Home:
                case ConsoleKey.A when ctrl:
                    cursor = 0;
                    break;
                case ConsoleKey.End:
                case ConsoleKey.E when ctrl:
                    cursor = input.Length;
                    break;
                case ConsoleKey.U when ctrl:
                    input.Clear();
                    cursor = 0;
                    break;
                case ConsoleKey.D when ctrl:
                    if (input.Length == 0)
                    {
                        lines.TryWrite("/exit");
                        return;
                    }
                    break;
                case ConsoleKey.N when ctrl:
                    // The conversation with the most unread lines becomes the current one.
                    var unread = view.Unread;
                    if (unread.Count > 0)
                    {
                        lines.TryWrite("/switch " + unread[0].Conversation);
                    }
                    break;
                case ConsoleKey.UpArrow:
                    if (historyIndex > 0)
                    {
                        historyIndex--;
                        input.Clear().Append(history[historyIndex]);
                        cursor = input.Length;
                    }
                    break;
                case ConsoleKey.DownArrow:
                    if (historyIndex < history.Count)
                    {
                        historyIndex++;
                        input.Clear().Append(historyIndex < history.Count ? history[historyIndex] : "");
                        cursor = input.Length;
                    }
                    break;
                case ConsoleKey.Tab:
                    cursor = Complete(input, cursor, session, view);
                    break;
                default:
                    if (key.KeyChar != '\0' && !char.IsControl(key.KeyChar))
                    {
                        input.Insert(cursor++, key.KeyChar);
                    }
                    break;
            }
            view.SetInput(input.ToString(), cursor);
        }
    }

    /// <summary>Completes the word before the cursor: a command at the start of the line, else a nick. Returns the new cursor.</summary>
    internal static int Complete(StringBuilder input, int cursor, ChatSession session, IChatView view)
    {
        var text = input.ToString(0, cursor);
        var start = text.LastIndexOf(' ') + 1;
        var word = text[start..];
        if (word.Length == 0)
        {
            return cursor;
        }
        IEnumerable<string> candidates = start == 0 && word.StartsWith('/')
            ? ChatSession.Commands.Select(c => "/" + c.Name)
            : session.KnownNicks;
        var matches = candidates.Where(c => c.StartsWith(word, StringComparison.OrdinalIgnoreCase)).Distinct().ToList();
        if (matches.Count == 0)
        {
            return cursor;
        }
        var completion = matches.Count == 1 ? matches[0] + " " : CommonPrefix(matches);
        if (matches.Count > 1)
        {
            view.Show("   " + string.Join("  ", matches.Take(30)));
        }
        if (completion.Length <= word.Length)
        {
            return cursor;
        }
        input.Remove(start, word.Length).Insert(start, completion);
        return start + completion.Length;
    }

    private static string CommonPrefix(List<string> words)
    {
        var prefix = words[0];
        foreach (var w in words.Skip(1))
        {
            var i = 0;
            while (i < prefix.Length && i < w.Length && char.ToLowerInvariant(prefix[i]) == char.ToLowerInvariant(w[i]))
            {
                i++;
            }
            prefix = prefix[..i];
        }
        return prefix;
    }
}
