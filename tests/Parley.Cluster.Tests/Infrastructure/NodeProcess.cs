using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Parley.Cluster.Tests.Infrastructure;

/// <summary>
/// One <c>parley serve --cluster …</c> node as a real process on loopback (IRC on a port the
/// node picks, the silo on a free port), with its own data directory. Disposing kills it.
/// </summary>
public sealed partial class NodeProcess : IAsyncDisposable
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly string _dataDir;
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly System.Threading.Channels.Channel<string> _output = System.Threading.Channels.Channel.CreateUnbounded<string>();

    private NodeProcess(Process process, string dataDir, string name, int siloPort)
    {
        _process = process;
        _dataDir = dataDir;
        Name = name;
        SiloPort = siloPort;
    }

    public string Name { get; }

    public int SiloPort { get; }

    /// <summary>The IRC port, once ready.</summary>
    public int Port { get; private set; }

    public int ProcessId => _process.Id;

    /// <summary>The files the process has mapped (its loaded assemblies among them), from /proc.</summary>
    public string MappedFiles => File.ReadAllText($"/proc/{_process.Id}/maps");

    private readonly ConcurrentQueue<string> _log = new();

    /// <summary>What the node wrote on standard output after it was ready (for a failing test's output).</summary>
    public string Output => string.Join('\n', _log);

    /// <summary>What the node wrote on standard error so far.</summary>
    public string Errors => string.Join('\n', _stderr);

    /// <summary>Starts a node and waits until it says it is ready (its silo has joined).</summary>
    public static Task<NodeProcess> StartAsync(string connectionString, string name, params string[] extra)
    {
        var siloPort = FreePort();
        return StartAsync(name, siloPort, ["--cluster", connectionString, "--silo-listen", $"127.0.0.1:{siloPort}", .. extra]);
    }

    /// <summary>Starts one node of the cluster per name at once; waits until all are ready, at most <see cref="StartTimeout"/>.</summary>
    public static Task<NodeProcess[]> StartAllAsync(string connectionString, params string[] names)
        => Task.WhenAll(names.Select(n => StartAsync(connectionString, n))).WaitAsync(StartTimeout);

    /// <summary>Starts a single node (no cluster) the same way.</summary>
    public static Task<NodeProcess> StartSingleAsync(string name) => StartAsync(name, 0, []);

    private static async Task<NodeProcess> StartAsync(string name, int siloPort, string[] extra)
    {
        var dataDir = Directory.CreateTempSubdirectory("parley-node-").FullName;
        var process = Run(["serve", "--listen", "127.0.0.1:0", "--no-http", "--data-dir", dataDir, "--name", name, "--no-flood-limits", .. extra]);
        var node = new NodeProcess(process, dataDir, name, siloPort);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                node._stderr.Enqueue(e.Data);
            }
        };
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(StartTimeout);
        try
        {
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                if (ListeningRegex().Match(line) is { Success: true } m)
                {
                    node.Port = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
                }
                if (line.Contains(" ready", StringComparison.Ordinal))
                {
                    // Keep reading stdout (so the node never blocks on a full pipe) for WaitForOutputAsync.
                    _ = node.PumpOutputAsync();
                    return node;
                }
            }
            throw new InvalidOperationException($"node {name} exited before it was ready: {node.Errors}");
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    private async Task PumpOutputAsync()
    {
        try
        {
            while (await _process.StandardOutput.ReadLineAsync() is { } line)
            {
                _output.Writer.TryWrite(line);
                _log.Enqueue(line);
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
        }
        _output.Writer.TryComplete();
    }

    /// <summary>Waits until the node writes a line (after it was ready) that matches; returns it.</summary>
    public async Task<string> WaitForOutputAsync(Func<string, bool> match, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            var line = await _output.Reader.ReadAsync(cts.Token);
            if (match(line))
            {
                return line;
            }
        }
    }

    /// <summary>Runs <c>parley</c> with <paramref name="args"/> to its end: exit code and standard error.</summary>
    public static async Task<(int Code, string Error)> RunToEndAsync(TimeSpan timeout, params string[] args)
    {
        using var process = Run(args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"parley {string.Join(' ', args)} ran longer than {timeout}");
        }
        await stdout;
        return (process.ExitCode, await stderr);
    }

    /// <summary>A port free on 127.0.0.1 at this moment.</summary>
    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static Process Run(string[] args)
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
        return Process.Start(psi)!;
    }

    /// <summary>SIGKILL: the node dies at once, as in a crash.</summary>
    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
        }
        _process.Dispose();
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [GeneratedRegex(@"listening on 127\.0\.0\.1:(\d+)")]
    private static partial Regex ListeningRegex();
}
