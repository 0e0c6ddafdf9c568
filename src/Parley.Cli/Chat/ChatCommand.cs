namespace Parley.Cli.Chat;

/// <summary>
/// <c>parley chat</c>: the terminal client. Plain mode (commands from standard input, one
/// event per line on standard output) when asked or when either is not a terminal;
/// otherwise the interactive screen. Exit codes: 0 after /exit or the end of input, 2 bad usage.
/// </summary>
internal static class ChatCommand
{
    public static async Task<int> RunAsync(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr, bool? plain = null)
    {
        if (args.Contains("-h") || args.Contains("--help"))
        {
            await stdout.WriteLineAsync(ChatOptions.Usage);
            return 0;
        }
        var options = ChatOptions.Parse(args, out var error);
        if (options is null)
        {
            await stderr.WriteLineAsync("parley chat: " + error);
            return 2;
        }
        var usePlain = plain ?? (options.Plain || Console.IsInputRedirected || Console.IsOutputRedirected);
        if (!usePlain)
        {
            return await InteractiveConsole.RunAsync(options);
        }
        var view = new PlainView(stdout);
        await using var session = new ChatSession(options, view);
        await session.StartAsync();
        while (await stdin.ReadLineAsync() is { } line)
        {
            if (!await session.ExecuteAsync(line))
            {
                return 0;
            }
        }
        // End of input: leave as /exit would.
        await session.ExecuteAsync("/exit");
        return 0;
    }
}
