using System.Diagnostics;
using Npgsql;

namespace Parley.Cluster.Tests.Infrastructure;

/// <summary>
/// A private PostgreSQL for the tests: <c>scripts/pg-private</c> (initdb and pg_ctl as the
/// <c>postgres</c> user when we are root, 127.0.0.1 on a free port, a temporary directory),
/// started on creation and stopped on dispose, whether the tests passed or not. An instance
/// left behind by a test host that was killed is stopped by the next one that starts.
/// </summary>
/// <remarks>Thread-safe after <see cref="StartAsync"/>; <see cref="CreateDatabaseAsync"/> may run concurrently.</remarks>
public sealed class PrivatePostgres : IAsyncDisposable
{
    private const string DirPrefix = "parley-pg-";
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromSeconds(90);

    private readonly string _dir;

    private PrivatePostgres(string dir, string connectionString)
    {
        _dir = dir;
        ConnectionString = connectionString;
        Admin = NpgsqlDataSource.Create(connectionString);
    }

    /// <summary>The connection string of its database <c>parley</c>.</summary>
    public string ConnectionString { get; }

    /// <summary>Connections to <c>parley</c>, for creating and dropping test databases.</summary>
    public NpgsqlDataSource Admin { get; }

    /// <summary>The repository root (where Parley.slnx is), found from the test assembly's directory.</summary>
    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Parley.slnx")))
                {
                    return dir.FullName;
                }
            }
            throw new InvalidOperationException("Parley.slnx not found above " + AppContext.BaseDirectory);
        }
    }

    public static async Task<PrivatePostgres> StartAsync()
    {
        await ReapOrphansAsync();
        // The owner's process id in the name lets a later run tell that this one is orphaned.
        var dir = Path.Combine(Path.GetTempPath(), $"{DirPrefix}{Environment.ProcessId}-{Guid.NewGuid():N}");
        var (code, output, error) = await RunScriptAsync("start", dir, "--fast");
        if (code != 0)
        {
            await RunScriptAsync("stop", dir);
            throw new InvalidOperationException($"scripts/pg-private start failed ({code}): {error.Trim()}");
        }
        return new PrivatePostgres(dir, output.Trim());
    }

    /// <summary>A new, empty database; its connection string. Tests use one each, so they never see each other's rows.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "t_" + Guid.NewGuid().ToString("N");
        await using (var create = Admin.CreateCommand($"CREATE DATABASE {name} OWNER parley;"))
        {
            await create.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>Drops a database made by <see cref="CreateDatabaseAsync"/>, ending its sessions.</summary>
    public async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        NpgsqlConnection.ClearAllPools();
        await using var drop = Admin.CreateCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE);");
        await drop.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Admin.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await RunScriptAsync("stop", _dir);
    }

    /// <summary>Stops the instances of test hosts that no longer run (killed before they could stop theirs).</summary>
    private static async Task ReapOrphansAsync()
    {
        foreach (var dir in Directory.EnumerateDirectories(Path.GetTempPath(), DirPrefix + "*"))
        {
            var rest = Path.GetFileName(dir)[DirPrefix.Length..];
            var dash = rest.IndexOf('-', StringComparison.Ordinal);
            if (dash > 0 && int.TryParse(rest[..dash], out var pid) && pid != Environment.ProcessId && !IsRunning(pid))
            {
                await RunScriptAsync("stop", dir);
            }
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static async Task<(int Code, string Output, string Error)> RunScriptAsync(params string[] args)
    {
        var psi = new ProcessStartInfo(Path.Combine(RepositoryRoot, "scripts", "pg-private"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var process = Process.Start(psi)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(ScriptTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"scripts/pg-private {string.Join(' ', args)} did not finish in {ScriptTimeout.TotalSeconds} s");
        }
        return (process.ExitCode, await output, await error);
    }
}
