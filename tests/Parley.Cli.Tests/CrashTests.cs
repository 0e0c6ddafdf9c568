using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Parley.Server.Storage;

namespace Parley.Cli.Tests;

/// <summary>
/// ARCHITECTURE.md rule 10 against a real process: clients exchange channel messages, the
/// server is killed with SIGKILL at a random moment and restarted on the same data directory;
/// every message any client received must be in history afterwards, and every account whose
/// creation was confirmed (NickServ REGISTER) must exist.
/// </summary>
public sealed partial class CrashTests : IDisposable
{
    private const int Rounds = 20;
    private const int Window = 64;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(120);
    private readonly string _dir = Directory.CreateTempSubdirectory("parley-crash-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task KilledAtRandom_EveryReceivedMessageIsInHistory()
    {
        using var budget = new CancellationTokenSource(Budget);
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var total = 0;
        var confirmedAccounts = new List<string>();
        for (var round = 0; round < Rounds; round++)
        {
            var killAfter = random.Next(1, 400);
            // Half the rounds count towards the kill only once the account is confirmed, so some
            // confirmed accounts meet the kill; the others are killed while it is in flight.
            var afterConfirmation = random.Next(2) == 0;
            var (received, confirmed) = await RunRoundAsync(round, killAfter, afterConfirmation, budget.Token);
            total += received.Count;
            if (confirmed is not null)
            {
                confirmedAccounts.Add(confirmed);
            }
            using (var accounts = SqliteAccountStore.Open(SqliteDatabase.Open(_dir), null, TimeProvider.System, ownsDatabase: true))
            {
                foreach (var name in confirmedAccounts)
                {
                    Assert.True(await accounts.GetAsync(name, budget.Token) is not null, $"seed {seed}, round {round}: account {name} was confirmed but is gone");
                }
            }
            using var store = SqliteHistoryStore.Open(_dir);
            var stored = (await store.QueryAsync(new HistoryQuery("#crash", HistoryDirection.Forward, int.MaxValue), budget.Token))
                .Select(r => r.MsgId).ToHashSet(StringComparer.Ordinal);
            var missing = received.Where(id => !stored.Contains(id)).ToList();
            Assert.True(missing.Count == 0, $"seed {seed}, round {round}: {missing.Count} received messages not in history (first {missing.FirstOrDefault()})");
        }
        Assert.True(total >= Rounds, $"seed {seed}: only {total} messages were received in {Rounds} rounds");
        Assert.NotEmpty(confirmedAccounts);
    }

    /// <summary>One life of the server: two clients talk until the listener has seen <paramref name="killAfter"/> messages, then SIGKILL.</summary>
    private async Task<(HashSet<string> Received, string? ConfirmedAccount)> RunRoundAsync(int round, int killAfter, bool afterConfirmation, CancellationToken ct)
    {
        using var server = StartServer();
        try
        {
            var port = await ReadPortAsync(server, ct);
            using var alice = await ConnectAsync(port, "alice" + round, ct);
            using var bob = await ConnectAsync(port, "bob" + round, ct);
            var received = new HashSet<string>(StringComparer.Ordinal);
            var bobCount = 0;
            string? confirmed = null;
            var registered = $"Account bob{round} registered.";
            var killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var confirmation = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            // Alice keeps at most Window messages ahead of what bob has read: unpaced, the server
            // (flood limits off) outruns this reader and drops bob for SendQ before the account
            // creation is confirmed.
            using var window = new SemaphoreSlim(Window);
            using var readerGone = CancellationTokenSource.CreateLinkedTokenSource(ct);

            async Task ReadAsync(LineClient c, bool isListener)
            {
                try
                {
                    while (await c.ReadLineAsync(ct) is { } line)
                    {
                        if (isListener && line.EndsWith(registered, StringComparison.Ordinal))
                        {
                            Volatile.Write(ref confirmed, "bob" + round);
                            confirmation.TrySetResult();
                        }
                        if (MsgIdOfPrivmsg(line) is not { } id)
                        {
                            continue;
                        }
                        lock (received)
                        {
                            received.Add(id);
                        }
                        if (isListener)
                        {
                            window.Release();
                        }
                        if (isListener && (!afterConfirmation || Volatile.Read(ref confirmed) is not null) && Interlocked.Increment(ref bobCount) == killAfter)
                        {
                            Kill(server);
                            killed.TrySetResult();
                        }
                    }
                }
                catch (IOException)
                {
                    // The server died under us.
                }
                finally
                {
                    if (isListener)
                    {
                        await readerGone.CancelAsync();
                    }
                }
            }

            async Task TalkAsync()
            {
                try
                {
                    var i = 0;
                    for (; !killed.Task.IsCompleted && i < 100_000; i++)
                    {
                        await window.WaitAsync(readerGone.Token);
                        await alice.WriteLineAsync($"PRIVMSG #crash :round {round} message {i}", ct);
                    }
                    if (afterConfirmation && !killed.Task.IsCompleted)
                    {
                        // This round is about a confirmed account meeting the kill: on a slow
                        // machine the password hash can outlast the talk, so wait for it.
                        await Task.WhenAny(confirmation.Task, killed.Task).WaitAsync(readerGone.Token);
                        for (var j = 0; !killed.Task.IsCompleted && j < 1_000; j++, i++)
                        {
                            await window.WaitAsync(readerGone.Token);
                            await alice.WriteLineAsync($"PRIVMSG #crash :round {round} message {i}", ct);
                        }
                    }
                }
                catch (IOException)
                {
                }
                catch (SocketException)
                {
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    // Bob's reader ended: the server is gone.
                }
            }

            var readers = Task.WhenAll(ReadAsync(alice, false), ReadAsync(bob, true));
            // An account creation in flight while the messages flow: confirmed or not when the kill comes.
            await bob.WriteLineAsync($"PRIVMSG NickServ :REGISTER pw{round}", ct);
            await TalkAsync();
            if (!killed.Task.IsCompleted)
            {
                // Everything was said before the moment came: kill now.
                Kill(server);
                killed.TrySetResult();
            }
            await killed.Task.WaitAsync(ct);
            await server.WaitForExitAsync(ct);
            await readers.WaitAsync(ct);
            return (received, confirmed);
        }
        finally
        {
            if (!server.HasExited)
            {
                server.Kill();
                await server.WaitForExitAsync(CancellationToken.None);
            }
        }
    }

    /// <summary>SIGKILL (Process.Kill on Unix); the process may already be gone.</summary>
    private static void Kill(Process p)
    {
        try
        {
            p.Kill();
        }
        catch (InvalidOperationException)
        {
        }
    }

    private Process StartServer()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "parley.dll");
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in (string[])[dll, "serve", "--listen", "127.0.0.1:0", "--no-http", "--data-dir", _dir, "--no-flood-limits", "--name", "crash.test"])
        {
            psi.ArgumentList.Add(a);
        }
        var p = Process.Start(psi)!;
        p.ErrorDataReceived += (_, _) => { };
        p.BeginErrorReadLine();
        return p;
    }

    private static async Task<int> ReadPortAsync(Process p, CancellationToken ct)
    {
        while (await p.StandardOutput.ReadLineAsync(ct) is { } line)
        {
            var m = ListeningRegex().Match(line);
            if (m.Success)
            {
                // Keep draining stdout so the server never blocks on a full pipe.
                _ = p.StandardOutput.BaseStream.CopyToAsync(Stream.Null, CancellationToken.None);
                return int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        throw new InvalidOperationException("the server exited before listening");
    }

    private static async Task<LineClient> ConnectAsync(int port, string nick, CancellationToken ct)
    {
        var c = new LineClient();
        await c.ConnectAsync(port, ct);
        await c.WriteLineAsync("CAP REQ :server-time message-tags echo-message", ct);
        await c.WriteLineAsync($"NICK {nick}", ct);
        await c.WriteLineAsync($"USER {nick} 0 * :{nick}", ct);
        await c.WriteLineAsync("CAP END", ct);
        await c.WriteLineAsync("JOIN #crash", ct);
        while (await c.ReadLineAsync(ct) is { } line)
        {
            if (line.Contains(" 366 ", StringComparison.Ordinal))
            {
                return c;
            }
        }
        throw new InvalidOperationException("no JOIN");
    }

    private static string? MsgIdOfPrivmsg(string line)
    {
        if (!line.StartsWith('@') || !line.Contains(" PRIVMSG #crash ", StringComparison.Ordinal))
        {
            return null;
        }
        var m = MsgIdRegex().Match(line);
        return m.Success ? m.Groups[1].Value : null;
    }

    [GeneratedRegex(@"listening on 127\.0\.0\.1:(\d+)")]
    private static partial Regex ListeningRegex();

    [GeneratedRegex(@"[@;]msgid=([^; ]+)")]
    private static partial Regex MsgIdRegex();

    private sealed class LineClient : IDisposable
    {
        private readonly TcpClient _tcp = new();
        private StreamReader? _reader;
        private Stream? _stream;

        public async Task ConnectAsync(int port, CancellationToken ct)
        {
            await _tcp.ConnectAsync("127.0.0.1", port, ct);
            _stream = _tcp.GetStream();
            _reader = new StreamReader(_stream, Encoding.UTF8);
        }

        public Task<string?> ReadLineAsync(CancellationToken ct) => _reader!.ReadLineAsync(ct).AsTask();

        public async Task WriteLineAsync(string line, CancellationToken ct)
            => await _stream!.WriteAsync(Encoding.UTF8.GetBytes(line + "\r\n"), ct);

        public void Dispose()
        {
            _reader?.Dispose();
            _tcp.Dispose();
        }
    }
}
