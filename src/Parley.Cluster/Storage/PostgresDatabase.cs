using System.Net.Sockets;
using Npgsql;
using Parley.Server.Hosting;

namespace Parley.Cluster.Storage;

/// <summary>
/// The cluster's database: one PostgreSQL database shared by every node (accounts, history,
/// and Orleans' own tables). Opening applies the schema migrations it lacks
/// (<see cref="PostgresSchema"/>) under an advisory lock, so nodes starting at the same time
/// migrate one after the other.
/// </summary>
/// <remarks>
/// Thread-safe: <see cref="DataSource"/> hands out pooled connections, one per operation.
/// PostgreSQL's default <c>synchronous_commit=on</c> makes a commit durable (WAL flushed) when
/// it returns (ARCHITECTURE.md rule 10).
/// </remarks>
public sealed class PostgresDatabase : IDisposable, IAsyncDisposable
{
    /// <summary>The advisory lock key (any constant; "parley" in ASCII) under which the schema is migrated.</summary>
    internal const long MigrationLockKey = 0x7061726c6579;

    private PostgresDatabase(NpgsqlDataSource dataSource) => DataSource = dataSource;

    /// <summary>Pooled connections to the database.</summary>
    public NpgsqlDataSource DataSource { get; }

    /// <summary>The schema version after opening.</summary>
    public int SchemaVersion { get; private set; }

    /// <summary>Connects and migrates.</summary>
    /// <exception cref="StartupException">
    /// A bad connection string, an unreachable server, refused credentials, a missing database,
    /// or a schema newer than this Parley: the message says which, in one line.
    /// </exception>
    public static async Task<PostgresDatabase> OpenAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        NpgsqlDataSource dataSource;
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(connectionString);
            if (builder.Timeout == new NpgsqlConnectionStringBuilder().Timeout)
            {
                // Npgsql waits 15 s for a connection by default: a misconfigured node should say so sooner.
                builder.Timeout = 5;
            }
            dataSource = NpgsqlDataSource.Create(builder);
        }
        catch (ArgumentException ex)
        {
            throw new StartupException("invalid cluster connection string: " + ex.Message, ex);
        }
        var db = new PostgresDatabase(dataSource);
        try
        {
            await db.MigrateAsync(cancellationToken);
            return db;
        }
        catch (Exception ex) when (Describe(ex, dataSource) is { } message)
        {
            await db.DisposeAsync();
            throw new StartupException(message, ex);
        }
        catch
        {
            await db.DisposeAsync();
            throw;
        }
    }

    /// <summary>One line for an error of connecting or migrating, or null if it is none of those.</summary>
    internal static string? Describe(Exception ex, NpgsqlDataSource dataSource)
    {
        var b = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        var where = $"PostgreSQL at {b.Host}:{b.Port}, database '{b.Database}'";
        return ex switch
        {
            PostgresException { SqlState: PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification } p
                => $"{where}: login refused for user '{b.Username}' ({p.MessageText})",
            PostgresException { SqlState: PostgresErrorCodes.InvalidCatalogName } => $"{where}: no such database",
            PostgresException p => $"{where}: {p.MessageText} ({p.SqlState})",
            NpgsqlException { InnerException: SocketException s } => $"{where}: cannot connect ({s.Message})",
            NpgsqlException { InnerException: TimeoutException } => $"{where}: cannot connect (timed out)",
            NpgsqlException n => $"{where}: {n.Message}",
            InvalidOperationException i => $"{where}: {i.Message}",
            _ => null,
        };
    }

    private async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1);", connection, tx))
        {
            lockCommand.Parameters.AddWithValue(MigrationLockKey);
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }
        await using (var create = new NpgsqlCommand("CREATE TABLE IF NOT EXISTS parley_schema_version (version integer NOT NULL);", connection, tx))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        await using (var read = new NpgsqlCommand("SELECT MAX(version) FROM parley_schema_version;", connection, tx))
        {
            SchemaVersion = await read.ExecuteScalarAsync(cancellationToken) is int v ? v : 0;
        }
        var migrations = PostgresSchema.Migrations;
        if (SchemaVersion > migrations.Count)
        {
            throw new InvalidOperationException(
                $"schema version {SchemaVersion} is newer than this Parley knows ({migrations.Count}): upgrade Parley");
        }
        for (var version = SchemaVersion + 1; version <= migrations.Count; version++)
        {
            await using var step = new NpgsqlCommand(migrations[version - 1], connection, tx);
            await step.ExecuteNonQueryAsync(cancellationToken);
            await using (var clear = new NpgsqlCommand("DELETE FROM parley_schema_version;", connection, tx))
            {
                await clear.ExecuteNonQueryAsync(cancellationToken);
            }
            await using var record = new NpgsqlCommand("INSERT INTO parley_schema_version (version) VALUES ($1);", connection, tx);
            record.Parameters.AddWithValue(version);
            await record.ExecuteNonQueryAsync(cancellationToken);
        }
        await tx.CommitAsync(cancellationToken);
        SchemaVersion = migrations.Count;
    }

    /// <summary>
    /// The value of <paramref name="key"/> in <c>parley_meta</c>; if there is none yet, it is set
    /// to <paramref name="create"/>'s, once for every node (the first writer wins, the others read its value).
    /// </summary>
    public async Task<string> GetOrCreateMetaAsync(string key, Func<string> create, CancellationToken cancellationToken = default)
    {
        await using var insert = DataSource.CreateCommand(
            "INSERT INTO parley_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING;");
        insert.Parameters.AddWithValue(key);
        insert.Parameters.AddWithValue(create());
        await insert.ExecuteNonQueryAsync(cancellationToken);
        await using var read = DataSource.CreateCommand("SELECT value FROM parley_meta WHERE key = $1;");
        read.Parameters.AddWithValue(key);
        return (string)(await read.ExecuteScalarAsync(cancellationToken))!;
    }

    public void Dispose() => DataSource.Dispose();

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
