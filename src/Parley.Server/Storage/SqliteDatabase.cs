using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Parley.Server.Storage;

/// <summary>
/// The embedded database: one SQLite file, <c>parley.db</c>, in the data directory, in WAL
/// mode, so a running server and <c>parley account …</c> can use it at the same time (readers
/// never wait for the writer; writers wait for each other up to <see cref="BusyTimeout"/>).
/// Opening applies the schema migrations (<see cref="SqliteSchema"/>) the file lacks.
/// </summary>
/// <remarks>
/// Thread-safe: every operation opens its own connection (pooled by Microsoft.Data.Sqlite),
/// so concurrent callers never share one. Writes use synchronous=FULL: a commit is on disk
/// when it returns (ARCHITECTURE.md rule 10).
/// </remarks>
public sealed class SqliteDatabase : IDisposable
{
    /// <summary>The database file's name in the data directory.</summary>
    public const string FileName = "parley.db";

    /// <summary>How long a writer waits for another process's write lock before failing.</summary>
    public static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(10);

    private readonly string _connectionString;

    /// <summary>Holds an in-memory database alive (it exists while one connection is open).</summary>
    private readonly SqliteConnection? _keepAlive;

    private SqliteDatabase(string connectionString, string? path, SqliteConnection? keepAlive)
    {
        _connectionString = connectionString;
        Path = path;
        _keepAlive = keepAlive;
    }

    /// <summary>The file, or null for an in-memory database.</summary>
    public string? Path { get; }

    /// <summary>The schema version after opening.</summary>
    public int SchemaVersion { get; private set; }

    /// <summary>Opens (creating if needed) <c>parley.db</c> in <paramref name="dataDir"/> and migrates it.</summary>
    /// <exception cref="SqliteException">The file cannot be opened or migrated.</exception>
    /// <exception cref="InvalidOperationException">The file was written by a newer Parley.</exception>
    public static SqliteDatabase Open(string dataDir)
    {
        Directory.CreateDirectory(dataDir);
        var path = System.IO.Path.GetFullPath(System.IO.Path.Combine(dataDir, FileName));
        var cs = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = (int)BusyTimeout.TotalSeconds,
        }.ToString();
        var db = new SqliteDatabase(cs, path, null);
        using (var connection = db.OpenConnection())
        {
            // Persistent in the file: every later connection, in any process, uses WAL.
            Execute(connection, "PRAGMA journal_mode=WAL;");
            db.Migrate(connection);
        }
        return db;
    }

    /// <summary>A private in-memory database (tests, and servers built without a data directory).</summary>
    public static SqliteDatabase OpenInMemory()
    {
        var cs = new SqliteConnectionStringBuilder
        {
            DataSource = "parley-" + Guid.NewGuid().ToString("N"),
            Mode = SqliteOpenMode.Memory,
            Cache = SqliteCacheMode.Shared,
        }.ToString();
        var keepAlive = new SqliteConnection(cs);
        keepAlive.Open();
        var db = new SqliteDatabase(cs, null, keepAlive);
        using (var connection = db.OpenConnection())
        {
            db.Migrate(connection);
        }
        return db;
    }

    /// <summary>An open connection with this database's settings; dispose it when done.</summary>
    public SqliteConnection OpenConnection()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        // busy_timeout: wait for another process's lock instead of failing at once.
        Execute(connection, $"PRAGMA busy_timeout={((int)BusyTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)}; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
        return connection;
    }

    private void Migrate(SqliteConnection connection)
    {
        Execute(connection, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);");
        // BEGIN IMMEDIATE: two processes opening a new file at once migrate one after the other.
        using var tx = connection.BeginTransaction(deferred: false);
        using (var read = connection.CreateCommand())
        {
            read.Transaction = tx;
            read.CommandText = "SELECT MAX(version) FROM schema_version;";
            var value = read.ExecuteScalar();
            SchemaVersion = value is long v ? (int)v : 0;
        }
        var migrations = SqliteSchema.Migrations;
        if (SchemaVersion > migrations.Count)
        {
            throw new InvalidOperationException(
                $"{Path ?? "the database"} has schema version {SchemaVersion}, newer than this Parley knows ({migrations.Count}): upgrade Parley");
        }
        for (var version = SchemaVersion + 1; version <= migrations.Count; version++)
        {
            using var step = connection.CreateCommand();
            step.Transaction = tx;
            step.CommandText = migrations[version - 1];
            step.ExecuteNonQuery();
            using var record = connection.CreateCommand();
            record.Transaction = tx;
            record.CommandText = "DELETE FROM schema_version; INSERT INTO schema_version (version) VALUES ($v);";
            record.Parameters.AddWithValue("$v", version);
            record.ExecuteNonQuery();
        }
        tx.Commit();
        SchemaVersion = migrations.Count;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        // Close the pooled handles so the file is released (tests delete their data directory).
        using (var connection = new SqliteConnection(_connectionString))
        {
            SqliteConnection.ClearPool(connection);
        }
        _keepAlive?.Dispose();
    }
}
