using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Parley.Web.Tests.Infrastructure;

/// <summary>
/// A real <c>parley serve</c> (parley.dll beside the tests) on loopback ports of its own, with a
/// data directory of its own: IRC on <see cref="IrcPort"/>, the web client on <see cref="WebUrl"/>.
/// It can be stopped and started again on the same ports and data (the reconnect test).
/// </summary>
public sealed partial class ServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private readonly string _dir = Directory.CreateTempSubdirectory("parley-web-").FullName;
    private Process? _process;

    private ServerProcess()
    {
        IrcPort = FreePort();
        HttpPort = FreePort();
    }

    public int IrcPort { get; }
    public int HttpPort { get; }
    public string WebUrl => $"http://127.0.0.1:{HttpPort}/";

    /// <summary>What the server printed (stdout and stderr), for a failing test's message.</summary>
    public ConcurrentLog Output { get; } = new();

    public static async Task<ServerProcess> StartAsync(params string[] accounts)
    {
        var server = new ServerProcess();
        foreach (var account in accounts)
        {
            await server.RunCliAsync("account", "create", account, "--password", PasswordOf(account), "--data-dir", server._dir);
        }
        await server.StartAsync();
        return server;
    }

    /// <summary>The password the tests give an account.</summary>
    public static string PasswordOf(string account) => $"pw-{account}-secret";

    public async Task StartAsync()
    {
        var psi = Cli("serve", "--listen", $"127.0.0.1:{IrcPort}", "--http-listen", $"127.0.0.1:{HttpPort}",
            "--data-dir", _dir, "--no-flood-limits", "--name", "web.test");
        var p = Process.Start(psi)!;
        _process = p;
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        p.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                ready.TrySetException(new InvalidOperationException("the server exited before it was ready:\n" + Output));
                return;
            }
            Output.Add(e.Data);
            if (ReadyRegex().IsMatch(e.Data))
            {
                ready.TrySetResult();
            }
        };
        p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Output.Add(e.Data);
            }
        };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        await ready.Task.WaitAsync(StartTimeout);
        if (!Output.Contains($"web client at http://127.0.0.1:{HttpPort}/"))
        {
            throw new InvalidOperationException("the server did not serve the web client:\n" + Output);
        }
    }

    /// <summary>Stops the server the way an operator does (SIGTERM) and waits for it to exit.</summary>
    public async Task StopAsync()
    {
        if (_process is not { } p)
        {
            return;
        }
        _process = null;
        if (!p.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await p.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync(CancellationToken.None);
        }
        p.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { } p)
        {
            _process = null;
            try
            {
                p.Kill(entireProcessTree: true);
                await p.WaitForExitAsync(CancellationToken.None);
            }
            catch (InvalidOperationException)
            {
                // already gone
            }
            p.Dispose();
        }
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // a file still held open; the temp directory is cleaned up eventually
        }
    }

    private async Task RunCliAsync(params string[] args)
    {
        var psi = Cli(args);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(StartTimeout);
        await p.WaitForExitAsync(timeout.Token);
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"parley {string.Join(' ', args)} exited {p.ExitCode}: {await stdout}{await stderr}");
        }
    }

    private static ProcessStartInfo Cli(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "parley.dll"));
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        return psi;
    }

    /// <summary>A loopback port nobody holds now (the OS picks it; the listener is closed at once).</summary>
    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"^parley: server \S+ ready")]
    private static partial Regex ReadyRegex();
}

/// <summary>Lines appended from the process's reader threads, read by the test.</summary>
public sealed class ConcurrentLog
{
    private readonly List<string> _lines = [];

    public void Add(string line)
    {
        lock (_lines)
        {
            _lines.Add(line);
        }
    }

    public bool Contains(string text)
    {
        lock (_lines)
        {
            return _lines.Exists(l => l.Contains(text, StringComparison.Ordinal));
        }
    }

    public override string ToString()
    {
        lock (_lines)
        {
            return string.Join('\n', _lines);
        }
    }
}
