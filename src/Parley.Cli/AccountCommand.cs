using System.Data.Common;
using System.Globalization;
using Parley.Server.Storage;

namespace Parley.Cli;

/// <summary>
/// <c>parley account create|passwd|delete|list</c>: operator tasks on the accounts in the data
/// directory's database. Safe while the server runs on the same directory (SQLite WAL with a
/// busy timeout); the server reads accounts on every login, so a change applies at once.
/// Exit codes: 0 done, 1 failed (the account exists, is missing, the database cannot be
/// opened), 2 bad usage.
/// </summary>
internal static class AccountCommand
{
    public const string Usage = """
        usage: parley account <command> [options]

          create NAME [--password PASS] [--email ADDRESS]   create an account
          passwd NAME [--password PASS]                     set its password
          delete NAME                                       delete it
          list                                              list accounts: name, created, e-mail

          --password PASS   the password; "-" or leaving it out reads one line from standard input
          --data-dir DIR    the server's data directory (default: $PARLEY_Server__DataDir, else ./parley-data)
          --cluster CONNSTR the accounts of a cluster: its PostgreSQL database, as given to
                            parley serve --cluster (default: $PARLEY_Server__Cluster__ConnectionString)
          -h, --help        this help
        """;

    private const string DefaultDataDir = "parley-data";

    public static int Run(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0 || args.Contains("-h") || args.Contains("--help"))
        {
            stdout.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }
        var verb = args[0];
        string? name = null;
        string? password = null;
        string? email = null;
        var dataDir = Environment.GetEnvironmentVariable("PARLEY_Server__DataDir") is { Length: > 0 } env ? env : DefaultDataDir;
        var cluster = Environment.GetEnvironmentVariable("PARLEY_Server__Cluster__ConnectionString") is { Length: > 0 } cs ? cs : null;
        for (var i = 1; i < args.Length; i++)
        {
            var arg = CliArgs.SplitInline(args[i], out var inline);
            if (arg is "--password" or "--email" or "--data-dir" or "--cluster")
            {
                if (inline is null && i + 1 >= args.Length)
                {
                    return UsageError(stderr, $"option {arg} needs a value");
                }
                var value = inline ?? args[++i];
                switch (arg)
                {
                    case "--password":
                        password = value;
                        break;
                    case "--email":
                        email = value;
                        break;
                    case "--cluster":
                        cluster = value;
                        break;
                    default:
                        dataDir = value;
                        break;
                }
            }
            else if (arg.StartsWith('-') && arg != "-")
            {
                return UsageError(stderr, $"unknown option '{args[i]}' (see parley account --help)");
            }
            else if (name is null)
            {
                name = arg;
            }
            else
            {
                return UsageError(stderr, $"unexpected argument '{arg}' (see parley account --help)");
            }
        }

        switch (verb)
        {
            case "create" or "passwd" or "delete" when name is null:
                return UsageError(stderr, $"{verb} needs an account name (see parley account --help)");
            case "list" when name is not null:
                return UsageError(stderr, $"unexpected argument '{name}' (list takes none)");
            case "create" or "passwd":
                break;
            case "delete" or "list":
                if (password is not null || email is not null)
                {
                    return UsageError(stderr, $"{verb} takes no --password or --email");
                }
                break;
            default:
                return UsageError(stderr, $"unknown command '{verb}' (create, passwd, delete or list)");
        }
        if (verb == "passwd" && email is not null)
        {
            return UsageError(stderr, "passwd takes no --email");
        }
        if (string.IsNullOrWhiteSpace(dataDir))
        {
            return UsageError(stderr, "the data directory must not be empty");
        }
        if (verb is ("create" or "passwd") && password is (null or "-"))
        {
            password = stdin.ReadLine();
            if (string.IsNullOrEmpty(password))
            {
                return UsageError(stderr, "give the password with --password or as one line on standard input");
            }
        }
        if (cluster is null && verb != "create" && !File.Exists(Path.Combine(dataDir, SqliteDatabase.FileName)))
        {
            return Failure(stderr, $"no accounts database in '{dataDir}' (no {SqliteDatabase.FileName})");
        }

        try
        {
            using var store = cluster is null
                ? SqliteAccountStore.Open(SqliteDatabase.Open(dataDir), caseMapping: null, TimeProvider.System, ownsDatabase: true)
                : OpenClusterAccounts(cluster);
            return verb switch
            {
                "create" => Report(stderr, stdout, name!, store.CreateAsync(name!, password!, email).AsTask().GetAwaiter().GetResult(), "created"),
                "passwd" => Report(stderr, stdout, name!, store.SetPasswordAsync(name!, password!).AsTask().GetAwaiter().GetResult(), "password changed"),
                "delete" => Report(stderr, stdout, name!, store.DeleteAsync(name!).AsTask().GetAwaiter().GetResult(), "deleted"),
                _ => List(store, stdout),
            };
        }
        catch (Parley.Server.Hosting.StartupException ex)
        {
            return Failure(stderr, ex.Message);
        }
        catch (Exception ex) when (ex is DbException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            var where = cluster is null ? $"the database in '{dataDir}'" : "the cluster's database";
            return Failure(stderr, $"cannot use {where}: {ex.Message.Split('\n')[0].Trim()}");
        }
    }

    /// <summary>
    /// The cluster's accounts (PostgreSQL), folded as the cluster folds them. Its own method so
    /// that only this path loads Npgsql (see ServeCommand.BuildClusterNode); blocking is safe at
    /// a command's top level.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static IAccountStore OpenClusterAccounts(string connectionString)
    {
        var db = Parley.Cluster.Storage.PostgresDatabase.OpenAsync(connectionString).GetAwaiter().GetResult();
        try
        {
            return Parley.Cluster.Storage.PostgresAccountStore.OpenAsync(db, caseMapping: null, TimeProvider.System, ownsDatabase: true).GetAwaiter().GetResult();
        }
        catch
        {
            db.Dispose();
            throw;
        }
    }

    private static int Report(TextWriter stderr, TextWriter stdout, string name, AccountResult result, string done)
    {
        switch (result)
        {
            case AccountResult.Ok:
                stdout.WriteLine($"account {name}: {done}");
                return 0;
            case AccountResult.AlreadyExists:
                return Failure(stderr, $"account {name} already exists");
            case AccountResult.NotFound:
                return Failure(stderr, $"no account {name}");
            case AccountResult.InvalidName:
                return UsageError(stderr, $"'{name}' is not a valid account name (a nick: a letter or one of []\\`_^{{|}} first, then letters, digits, those and '-'; at most {AccountNames.MaxLength})");
            default:
                return UsageError(stderr, $"that password is not allowed: 1 to {AccountNames.MaxPasswordLength} characters, no control characters");
        }
    }

    private static int List(IAccountStore store, TextWriter stdout)
    {
        foreach (var a in store.ListAsync().AsTask().GetAwaiter().GetResult())
        {
            var created = a.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            stdout.WriteLine(a.Email is null ? $"{a.Name}\t{created}" : $"{a.Name}\t{created}\t{a.Email}");
        }
        return 0;
    }

    private static int UsageError(TextWriter stderr, string message)
    {
        stderr.WriteLine($"parley account: {message}");
        return 2;
    }

    private static int Failure(TextWriter stderr, string message)
    {
        stderr.WriteLine($"parley account: {message}");
        return 1;
    }
}
