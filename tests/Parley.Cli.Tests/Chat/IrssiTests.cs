
namespace Parley.Cli.Tests.Chat;

/// <summary>
/// DCC CHAT between <c>parley chat</c> and irssi, both directions, through Parley on loopback.
/// irssi runs in a tmux session on a private socket with its own --home; the test types into
/// it with send-keys and reads what it got from its autolog files (waiting on file-change
/// events, not sleeping).
/// </summary>
public sealed class IrssiTests
{
    [RequiresProgramFact("irssi", "tmux")]
    public Task DirectChat_WithIrssi_BothDirections() => BothDirectionsAsync("127.0.0.1");

    [RequiresProgramFact("irssi", "tmux", NeedsIPv6 = true)]
    public Task DirectChat_WithIrssi_OverIPv6() => BothDirectionsAsync("::1");

    private static async Task BothDirectionsAsync(string host)
    {
        var shown = host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host;
        await using var server = await ParleyLoopback.StartAsync(host);
        await using var alice = new ChatDriver("alice", server.Address, "--nick", "alice");
        await alice.ExpectAsync("-- logged in as alice");
        await alice.SendAndExpectAsync("/join #dcc", "-- alice joined #dcc");

        await using var irssi = await IrssiSession.StartAsync(host, server.EndPoint.Port, nick: "ibob", channel: "#dcc");
        await alice.ExpectAsync("-- ibob joined #dcc");

        // Parley offers, irssi accepts (dcc_autochat_masks), lines both ways.
        await alice.SendAndExpectAsync("/direct ibob", "-- offering ibob a direct chat");
        await alice.ExpectAsync($"-- direct chat with ibob open ({shown}:");
        await alice.SendAndExpectAsync("/msg ibob hello irssi", "=alice= -> ibob: hello irssi");
        await irssi.WaitForLogAsync("=alice", "<alice> hello irssi");
        await irssi.TypeAsync("/msg =alice hello parley");
        await alice.ExpectAsync("=ibob= hello parley");
        await alice.SendAndExpectAsync("/close ibob", "-- direct chat with ibob closed");
        await irssi.WaitForLogAsync("=alice", "--- Log closed");

        // irssi offers, Parley shows the offer and accepts only when told.
        await irssi.TypeAsync("/dcc chat alice");
        await alice.ExpectAsync($"-- ibob offers a direct chat from {shown}:");
        await alice.SendAndExpectAsync("/accept ibob", "-- direct chat with ibob open");
        await alice.SendAndExpectAsync("/msg ibob second time", "=alice= -> ibob: second time");
        await irssi.WaitForLogAsync("=alice", "<alice> second time");
        await irssi.TypeAsync("/msg =alice got it");
        await alice.ExpectAsync("=ibob= got it");
    }
}

/// <summary>irssi in a detached tmux session with a private socket and home; logs every window to files.</summary>
public sealed class IrssiSession : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly string _dir;
    private readonly string _socket;

    private IrssiSession(string dir)
    {
        _dir = dir;
        _socket = Path.Combine(dir, "tmux.sock");
    }

    private string LogDir => Path.Combine(_dir, "logs");

    public static async Task<IrssiSession> StartAsync(string host, int port, string nick, string channel)
    {
        var dir = Directory.CreateTempSubdirectory("parley-irssi-").FullName;
        var session = new IrssiSession(dir);
        Directory.CreateDirectory(Path.Combine(dir, "home"));
        Directory.CreateDirectory(session.LogDir);
        await File.WriteAllTextAsync(Path.Combine(dir, "home", "config"), $$"""
            servers = ( { address = "{{host}}"; chatnet = "test"; port = "{{port}}"; autoconnect = "yes"; } );
            chatnets = { test = { type = "IRC"; }; };
            channels = ( { name = "{{channel}}"; chatnet = "test"; autojoin = "yes"; } );
            settings = {
              core = { real_name = "irssi in a test"; user_name = "{{nick}}"; nick = "{{nick}}"; };
              "fe-common/core" = { autolog = "yes"; autolog_path = "{{session.LogDir}}/$0.log"; };
              "irc/dcc" = { dcc_autochat_masks = "*"; };
            };
            """);
        await session.TmuxAsync("new-session", "-d", "-s", "irssi", "-x", "160", "-y", "40",
            $"irssi --home={Path.Combine(dir, "home")}");
        return session;
    }

    /// <summary>Types a line into irssi and presses Enter.</summary>
    public Task TypeAsync(string line) => TmuxAsync("send-keys", "-t", "irssi", "-l", line).ContinueWith(
        _ => TmuxAsync("send-keys", "-t", "irssi", "Enter"), TaskScheduler.Default).Unwrap();

    /// <summary>Waits until irssi's log of <paramref name="window"/> contains <paramref name="text"/> (file-change events, bounded).</summary>
    public async Task WaitForLogAsync(string window, string text)
    {
        var path = Path.Combine(LogDir, window + ".log");
        using var changed = new SemaphoreSlim(0);
        using var watcher = new FileSystemWatcher(LogDir) { NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size };
        watcher.Changed += (_, _) => changed.Release();
        watcher.Created += (_, _) => changed.Release();
        watcher.EnableRaisingEvents = true;
        using var cts = new CancellationTokenSource(Timeout);
        while (true)
        {
            if (File.Exists(path) && (await File.ReadAllTextAsync(path, cts.Token)).Contains(text, StringComparison.Ordinal))
            {
                return;
            }
            try
            {
                await changed.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                var screen = await TmuxAsync("capture-pane", "-p", "-t", "irssi");
                throw new TimeoutException($"irssi's log {window} has no '{text}' after {Timeout.TotalSeconds} s; the screen:\n{screen}");
            }
        }
    }

    private Task<string> TmuxAsync(params string[] args) => TmuxPane.RunTmuxAsync(_socket, Timeout, args);

    public async ValueTask DisposeAsync()
    {
        await TmuxAsync("kill-server");
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // irssi may still be writing its last log line as it goes.
        }
    }
}
