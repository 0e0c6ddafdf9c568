using System.Diagnostics;

namespace Parley.Cli.Tests.Chat;

/// <summary>
/// A program in a detached tmux session on a private socket, for testing what a terminal user
/// sees. Everything the program writes is also piped to a file (pipe-pane), and waits are on
/// that file's change events, bounded, never sleeps.
/// </summary>
public sealed class TmuxPane : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly string _dir;
    private readonly string _socket;
    private readonly string _log;

    private TmuxPane(string dir)
    {
        _dir = dir;
        _socket = Path.Combine(dir, "tmux.sock");
        _log = Path.Combine(dir, "pane.log");
    }

    public static async Task<TmuxPane> StartAsync(string command, int width = 120, int height = 30)
    {
        var pane = new TmuxPane(Directory.CreateTempSubdirectory("parley-tmux-").FullName);
        await File.WriteAllTextAsync(pane._log, "");
        // Start a shell that waits for a line, so the pipe is in place before the program writes.
        await pane.TmuxAsync("new-session", "-d", "-s", "t", "-x", $"{width}", "-y", $"{height}", $"read go; exec {command}");
        await pane.TmuxAsync("pipe-pane", "-t", "t", "-o", $"cat >> '{pane._log}'");
        await pane.KeysAsync("Enter");
        return pane;
    }

    /// <summary>Types text literally (no Enter).</summary>
    public Task TypeAsync(string text) => TmuxAsync("send-keys", "-t", "t", "-l", text);

    /// <summary>Presses keys by tmux name: Enter, Tab, Up, C-n…</summary>
    public Task KeysAsync(params string[] keys) => TmuxAsync(["send-keys", "-t", "t", .. keys]);

    /// <summary>What the pane shows now, without trailing blank lines.</summary>
    public async Task<string[]> ScreenAsync()
    {
        var text = await TmuxAsync("capture-pane", "-p", "-t", "t");
        var lines = text.Split('\n').Select(l => l.TrimEnd()).ToList();
        while (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }
        return [.. lines];
    }

    /// <summary>Waits until the program has written <paramref name="text"/> <paramref name="times"/> times in all.</summary>
    public async Task WaitForOutputAsync(string text, int times = 1)
    {
        using var changed = new SemaphoreSlim(0);
        using var watcher = new FileSystemWatcher(_dir, "pane.log") { NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.Size };
        watcher.Changed += (_, _) => changed.Release();
        watcher.EnableRaisingEvents = true;
        using var cts = new CancellationTokenSource(Timeout);
        while (true)
        {
            var all = await File.ReadAllTextAsync(_log, cts.Token);
            if (Count(all, text) >= times)
            {
                return;
            }
            try
            {
                await changed.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"the pane never showed '{text}' ({times}×); it shows:\n{string.Join('\n', await ScreenAsync())}");
            }
        }
    }

    private static int Count(string all, string text)
    {
        var n = 0;
        for (var i = all.IndexOf(text, StringComparison.Ordinal); i >= 0; i = all.IndexOf(text, i + text.Length, StringComparison.Ordinal))
        {
            n++;
        }
        return n;
    }

    private Task<string> TmuxAsync(params string[] args) => RunTmuxAsync(_socket, Timeout, args);

    /// <summary>
    /// Runs tmux on a private server socket and returns what it printed. CI runs without a
    /// terminal: tmux still needs to know what the panes emulate.
    /// </summary>
    internal static async Task<string> RunTmuxAsync(string socket, TimeSpan timeout, params string[] args)
    {
        var start = new ProcessStartInfo(ExternalPrograms.Find("tmux")!) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["TERM"] = "xterm-256color";
        start.Environment.Remove("TMUX");
        start.ArgumentList.Add("-S");
        start.ArgumentList.Add(socket);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        using var p = Process.Start(start)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        await p.WaitForExitAsync(cts.Token);
        return await output + await error;
    }

    public async ValueTask DisposeAsync()
    {
        await TmuxAsync("kill-server");
        Directory.Delete(_dir, recursive: true);
    }
}
