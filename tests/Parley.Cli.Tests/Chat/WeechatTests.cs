using System.Diagnostics;

namespace Parley.Cli.Tests.Chat;

/// <summary>
/// DCC CHAT between <c>parley chat</c> and WeeChat (weechat-headless), both directions,
/// through Parley on loopback. WeeChat takes commands through its FIFO and logs every buffer
/// to files with no flush delay; the test waits on those files' change events.
/// </summary>
public sealed class WeechatTests
{
    [RequiresProgramFact("weechat-headless")]
    public async Task DirectChat_WithWeechat_BothDirections()
    {
        await using var server = await ParleyLoopback.StartAsync();
        await using var alice = new ChatDriver("alice", server.Address, "--nick", "alice");
        await alice.ExpectAsync("-- logged in as alice");
        await alice.SendAndExpectAsync("/join #dcc", "-- alice joined #dcc");

        await using var weechat = await WeechatSession.StartAsync(server.EndPoint.Port, nick: "wbob", channel: "#dcc");
        await alice.ExpectAsync("-- wbob joined #dcc");

        // Parley offers, WeeChat accepts (xfer.file.auto_accept_chats).
        await alice.SendAndExpectAsync("/direct wbob", "-- offering wbob a direct chat");
        await alice.ExpectAsync("-- direct chat with wbob open (127.0.0.1:");
        await alice.SendAndExpectAsync("/msg wbob hello weechat", "=alice= -> wbob: hello weechat");
        await weechat.WaitForLogAsync("alice\thello weechat");
        await weechat.CommandAsync("xfer.irc_dcc.parley.alice *hello parley");
        await alice.ExpectAsync("=wbob= hello parley");
        await alice.SendAndExpectAsync("/close wbob", "-- direct chat with wbob closed");
        await weechat.WaitForLogAsync("xfer: chat closed with alice");

        // WeeChat offers; parley chat shows it and accepts when told.
        await weechat.CommandAsync("irc.server.parley */dcc chat alice");
        await alice.ExpectAsync("-- wbob offers a direct chat from 127.0.0.1:");
        await alice.SendAndExpectAsync("/accept wbob", "-- direct chat with wbob open");
        await alice.SendAndExpectAsync("/msg wbob second time", "=alice= -> wbob: second time");
        await weechat.WaitForLogAsync("alice\tsecond time");
        await weechat.CommandAsync("xfer.irc_dcc.parley.alice *got it");
        await alice.ExpectAsync("=wbob= got it");
    }
}

/// <summary>weechat-headless with its own --dir, a FIFO for commands, and buffer logs in files.</summary>
public sealed class WeechatSession : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly Process _process;
    private readonly string _dir;

    private WeechatSession(Process process, string dir)
    {
        _process = process;
        _dir = dir;
    }

    private string LogDir => Path.Combine(_dir, "logs");

    private string Fifo => Path.Combine(_dir, "fifo");

    public static async Task<WeechatSession> StartAsync(int port, string nick, string channel)
    {
        var dir = Directory.CreateTempSubdirectory("parley-weechat-").FullName;
        Directory.CreateDirectory(Path.Combine(dir, "logs"));
        var commands = string.Join(';',
            $"/set fifo.file.path {Path.Combine(dir, "fifo")}",
            "/set fifo.file.enabled on",
            "/set xfer.file.auto_accept_chats on",
            $"/set logger.file.path {Path.Combine(dir, "logs")}",
            "/set logger.file.flush_delay 0",
            $"/server add parley 127.0.0.1/{port} -notls",
            $"/set irc.server.parley.nicks {nick}",
            $"/set irc.server.parley.autojoin {channel}",
            "/connect parley");
        var start = new ProcessStartInfo(ExternalPrograms.Find("weechat-headless")!)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("--dir");
        start.ArgumentList.Add(Path.Combine(dir, "home"));
        start.ArgumentList.Add("--run-command");
        start.ArgumentList.Add(commands);
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var session = new WeechatSession(process, dir);
        try
        {
            await session.WaitForFileAsync(dir, "fifo", _ => true);
        }
        catch
        {
            // Nobody will dispose a session that was never returned: stop WeeChat here, or it
            // outlives the test run (and holds whatever descriptors it inherited).
            await session.DisposeAsync();
            throw;
        }
        return session;
    }

    /// <summary>Sends a FIFO line: <c>buffer *text</c> or <c>buffer */command</c>.</summary>
    public async Task CommandAsync(string line)
    {
        using var cts = new CancellationTokenSource(Timeout);
        await using var fifo = new FileStream(Fifo, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1, FileOptions.Asynchronous);
        await fifo.WriteAsync(System.Text.Encoding.UTF8.GetBytes(line + "\n"), cts.Token);
    }

    /// <summary>Waits until some buffer's log contains <paramref name="text"/>.</summary>
    public Task WaitForLogAsync(string text) => WaitForFileAsync(LogDir, "*.weechatlog", content => content.Contains(text, StringComparison.Ordinal));

    private async Task WaitForFileAsync(string dir, string pattern, Func<string, bool> done)
    {
        using var changed = new SemaphoreSlim(0);
        using var watcher = new FileSystemWatcher(dir, pattern) { NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.FileName };
        watcher.Changed += (_, _) => changed.Release();
        watcher.Created += (_, _) => changed.Release();
        watcher.EnableRaisingEvents = true;
        using var cts = new CancellationTokenSource(Timeout);
        while (true)
        {
            foreach (var file in Directory.GetFiles(dir, pattern))
            {
                var content = pattern == "fifo" ? "" : await File.ReadAllTextAsync(file, cts.Token);
                if (done(content))
                {
                    return;
                }
            }
            try
            {
                await changed.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                var logs = string.Join('\n', Directory.GetFiles(LogDir).Select(f => Path.GetFileName(f) + ":\n" + File.ReadAllText(f)));
                throw new TimeoutException($"WeeChat: nothing matched in {dir}/{pattern} after {Timeout.TotalSeconds} s; logs:\n{logs}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        using var cts = new CancellationTokenSource(Timeout);
        await _process.WaitForExitAsync(cts.Token);
        _process.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
