using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Parley.Cli.Tests.Chat;

/// <summary>A fact skipped, with the reason, when a program it drives is not installed (.ci/run installs them).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RequiresProgramFactAttribute : FactAttribute
{
    public RequiresProgramFactAttribute(params string[] programs)
    {
        var missing = programs.Where(p => ExternalPrograms.Find(p) is null).ToArray();
        if (missing.Length > 0)
        {
            Skip = $"not installed: {string.Join(", ", missing)} (apt-get install {string.Join(' ', missing)}; .ci/run does)";
        }
    }

    /// <summary>Also skip when this machine has no IPv6 loopback (::1).</summary>
    public bool NeedsIPv6
    {
        get => false;
        init
        {
            if (value && Skip is null && !ExternalPrograms.HasIPv6Loopback())
            {
                Skip = "no IPv6 loopback (::1) on this machine";
            }
        }
    }
}

public static class ExternalPrograms
{
    /// <summary>The full path of a program on PATH or in the sbin directories, or null.</summary>
    public static string? Find(string name)
    {
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/usr/bin", "/sbin", "/bin"]);
        return dirs.Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
    }

    public static bool HasIPv6Loopback()
    {
        try
        {
            using var s = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
            s.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>A loopback port nothing listens on right now.</summary>
    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>Runs a program to completion (bounded) and returns its output.</summary>
    public static async Task<string> RunAsync(string program, params string[] args)
    {
        var start = new ProcessStartInfo(Find(program) ?? program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        using var p = Process.Start(start)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await p.WaitForExitAsync(cts.Token);
        return await output + await error;
    }
}

/// <summary>
/// ngIRCd on 127.0.0.1 and a free port, with its own configuration in a temporary directory,
/// in the foreground (-n) so the test owns the process; ready when it logs that it listens.
/// </summary>
public sealed class NgircdServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dir;

    private NgircdServer(Process process, string dir, int port)
    {
        _process = process;
        _dir = dir;
        Port = port;
    }

    public int Port { get; }

    public string Address => $"127.0.0.1:{Port}";

    public static async Task<NgircdServer> StartAsync()
    {
        var dir = Directory.CreateTempSubdirectory("parley-ngircd-").FullName;
        var port = ExternalPrograms.FreePort();
        var config = Path.Combine(dir, "ngircd.conf");
        await File.WriteAllTextAsync(config, $"""
            [Global]
                Name = ngircd.test
                Info = Parley client tests
                Listen = 127.0.0.1
                Ports = {port}
                MotdPhrase = ngircd for parley chat tests
                PidFile = {Path.Combine(dir, "ngircd.pid")}
            [Options]
                PAM = no
                Ident = no
                DNS = no
                RequireAuthPing = no
            """);
        var start = new ProcessStartInfo(ExternalPrograms.Find("ngircd")!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("--nodaemon");
        start.ArgumentList.Add("--config");
        start.ArgumentList.Add(config);
        var process = Process.Start(start)!;
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        DataReceivedEventHandler onLine = (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }
            log.Enqueue(e.Data);
            if (e.Data.Contains("Now listening on", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        };
        process.OutputDataReceived += onLine;
        process.ErrorDataReceived += onLine;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new NgircdServer(process, dir, port);
        try
        {
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(15));
        }
        catch (TimeoutException)
        {
            await server.DisposeAsync();
            throw new InvalidOperationException("ngircd did not start listening:\n" + string.Join('\n', log));
        }
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _process.WaitForExitAsync(cts.Token);
        _process.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
