using Microsoft.Data.Sqlite;
using Parley.Protocol;
using Parley.Server.Security;

namespace Parley.Server.Storage;

/// <summary>
/// Accounts in the embedded SQLite database (<see cref="SqliteDatabase"/>), table
/// <c>accounts</c>. The casemapping that folds names is recorded in the file (<c>meta</c>), so
/// <c>parley account</c>, which has no server configuration, folds as the server does.
/// </summary>
/// <remarks>Thread-safe; reads the file on every call (see <see cref="IAccountStore"/>); lookups by name share one kept connection.</remarks>
public sealed class SqliteAccountStore : IAccountStore
{
    private const string CaseMappingKey = "casemapping";

    private readonly SqliteDatabase _db;
    private readonly bool _ownsDatabase;
    private readonly TimeProvider _time;
    private readonly int _iterations;

    // GetAsync's kept connection and prepared statement, made at the first lookup.
    private readonly Lock _lookupGate = new();
    private SqliteConnection? _lookupConnection;
    private SqliteCommand? _lookup;
    private SqliteParameter? _lookupName;
    private bool _disposed;

    private SqliteAccountStore(SqliteDatabase db, bool ownsDatabase, CaseMapping mapping, TimeProvider time, int iterations)
    {
        _db = db;
        _ownsDatabase = ownsDatabase;
        CaseMapping = mapping;
        _time = time;
        _iterations = iterations;
    }

    public CaseMapping CaseMapping { get; }

    /// <summary>
    /// The accounts of <paramref name="db"/>. With a <paramref name="caseMapping"/> (the
    /// server's), the file is set to it, names refolded if it used another; without one (the
    /// CLI), the file's is used (rfc1459 for a new file).
    /// </summary>
    /// <param name="iterations">PBKDF2 rounds for new credentials (tests use few).</param>
    /// <param name="ownsDatabase">Dispose <paramref name="db"/> with the store.</param>
    /// <exception cref="InvalidOperationException">Refolding would make two names one.</exception>
    public static SqliteAccountStore Open(SqliteDatabase db, CaseMapping? caseMapping, TimeProvider time,
        int iterations = ScramCredentials.DefaultIterations, bool ownsDatabase = false)
    {
        using var connection = db.OpenConnection();
        using var tx = connection.BeginTransaction(deferred: false);
        string? stored;
        using (var read = Command(connection, tx, "SELECT value FROM meta WHERE key = $k;"))
        {
            read.Parameters.AddWithValue("$k", CaseMappingKey);
            stored = read.ExecuteScalar() as string;
        }
        var storedMapping = stored is not null && CaseMapping.TryGet(stored, out var m) ? m : null;
        var mapping = caseMapping ?? storedMapping ?? CaseMapping.Rfc1459;
        if (storedMapping != mapping)
        {
            if (storedMapping is not null)
            {
                Refold(connection, tx, mapping);
            }
            using var write = Command(connection, tx, "INSERT INTO meta (key, value) VALUES ($k, $v) ON CONFLICT(key) DO UPDATE SET value = excluded.value;");
            write.Parameters.AddWithValue("$k", CaseMappingKey);
            write.Parameters.AddWithValue("$v", mapping.Name);
            write.ExecuteNonQuery();
        }
        tx.Commit();
        return new SqliteAccountStore(db, ownsDatabase, mapping, time, iterations);
    }

    public ValueTask<AccountResult> CreateAsync(string name, string password, string? email = null, CancellationToken cancellationToken = default)
    {
        if (!AccountNames.IsValid(name))
        {
            return ValueTask.FromResult(AccountResult.InvalidName);
        }
        if (!AccountNames.IsValidPassword(password))
        {
            return ValueTask.FromResult(AccountResult.InvalidPassword);
        }
        var credentials = ScramCredentials.Create(password, _iterations);
        using var connection = _db.OpenConnection();
        using var insert = Command(connection, null, """
            INSERT INTO accounts (name_folded, name, email, created_at, scram_salt, scram_iterations, scram_stored_key, scram_server_key)
            VALUES ($folded, $name, $email, $created, $salt, $iterations, $stored, $server)
            ON CONFLICT(name_folded) DO NOTHING;
            """);
        insert.Parameters.AddWithValue("$folded", CaseMapping.Fold(name));
        insert.Parameters.AddWithValue("$name", name);
        insert.Parameters.AddWithValue("$email", (object?)email ?? DBNull.Value);
        insert.Parameters.AddWithValue("$created", _time.GetUtcNow().ToUnixTimeMilliseconds());
        AddCredentials(insert, credentials);
        return ValueTask.FromResult(insert.ExecuteNonQuery() == 1 ? AccountResult.Ok : AccountResult.AlreadyExists);
    }

    public ValueTask<AccountRecord?> GetAsync(string name, CancellationToken cancellationToken = default)
    {
        // Every registration looks its nick up here (NickOwnership): one connection and one
        // prepared statement, kept, instead of a pooled connection's PRAGMAs and a parse per call.
        // Each execution is its own read transaction, so other processes' writes (parley
        // account …) are seen as before.
        lock (_lookupGate)
        {
            if (_disposed)
            {
                // A late caller during shutdown: one connection for this call only.
                using var connection = _db.OpenConnection();
                using var select = Command(connection, null, LookupSql);
                select.Parameters.AddWithValue("$folded", CaseMapping.Fold(name));
                return ValueTask.FromResult(ReadAccount(select));
            }
            try
            {
                if (_lookup is null)
                {
                    _lookupConnection = _db.OpenConnection();
                    _lookup = Command(_lookupConnection, null, LookupSql);
                    _lookupName = _lookup.Parameters.Add("$folded", SqliteType.Text);
                    _lookup.Prepare();
                }
                _lookupName!.Value = CaseMapping.Fold(name);
                return ValueTask.FromResult(ReadAccount(_lookup));
            }
            catch (SqliteException)
            {
                // Start over with a fresh connection next time.
                CloseLookup();
                throw;
            }
        }
    }

    private const string LookupSql = """
        SELECT name, email, created_at, scram_salt, scram_iterations, scram_stored_key, scram_server_key, always_on, autoreplay_missed
        FROM accounts WHERE name_folded = $folded;
        """;

    private static AccountRecord? ReadAccount(SqliteCommand select)
    {
        using var reader = select.ExecuteReader();
        if (!reader.Read())
        {
            return null;
        }
        var credentials = new ScramCredentials(
            (byte[])reader.GetValue(3), reader.GetInt32(4), (byte[])reader.GetValue(5), (byte[])reader.GetValue(6));
        return new AccountRecord(
            reader.GetString(0),
            credentials,
            reader.IsDBNull(1) ? null : reader.GetString(1),
            DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)),
            reader.IsDBNull(7) ? null : reader.GetInt64(7) != 0,
            reader.IsDBNull(8) ? null : reader.GetInt64(8) != 0);
    }

    public ValueTask<AccountResult> SetAutoreplayMissedAsync(string name, bool? replay, CancellationToken cancellationToken = default)
    {
        using var connection = _db.OpenConnection();
        using var update = Command(connection, null, "UPDATE accounts SET autoreplay_missed = $on WHERE name_folded = $folded;");
        update.Parameters.AddWithValue("$on", replay is { } on ? (on ? 1 : 0) : DBNull.Value);
        update.Parameters.AddWithValue("$folded", CaseMapping.Fold(name));
        return ValueTask.FromResult(update.ExecuteNonQuery() == 1 ? AccountResult.Ok : AccountResult.NotFound);
    }

    /// <summary>Under <c>_lookupGate</c>: closes the kept lookup connection.</summary>
    private void CloseLookup()
    {
        _lookup?.Dispose();
        _lookupConnection?.Dispose();
        _lookup = null;
        _lookupName = null;
        _lookupConnection = null;
    }

    public ValueTask<AccountResult> SetAlwaysOnAsync(string name, bool? alwaysOn, CancellationToken cancellationToken = default)
    {
        using var connection = _db.OpenConnection();
        using var update = Command(connection, null, "UPDATE accounts SET always_on = $on WHERE name_folded = $folded;");
        update.Parameters.AddWithValue("$on", alwaysOn is { } on ? (on ? 1 : 0) : DBNull.Value);
        update.Parameters.AddWithValue("$folded", CaseMapping.Fold(name));
        return ValueTask.FromResult(update.ExecuteNonQuery() == 1 ? AccountResult.Ok : AccountResult.NotFound);
    }

    public ValueTask<AccountResult> SetPasswordAsync(string name, string password, CancellationToken cancellationToken = default)
    {
        if (!AccountNames.IsValidPassword(password))
        {
            return ValueTask.FromResult(AccountResult.InvalidPassword);
        }
        var credentials = ScramCredentials.Create(password, _iterations);
        using var connection = _db.OpenConnection();
        using var update = Command(connection, null, """
            UPDATE accounts SET scram_salt = $salt, scram_iterations = $iterations, scram_stored_key = $stored, scram_server_key = $server
            WHERE name_folded = $folded;
            """);
        update.Parameters.AddWithValue("$folded", CaseMapping.Fold(name));
        AddCredentials(update, credentials);
        return ValueTask.FromResult(update.ExecuteNonQuery() == 1 ? AccountResult.Ok : AccountResult.NotFound);
    }

    public ValueTask<AccountResult> DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        using var connection = _db.OpenConnection();
        using var tx = connection.BeginTransaction(deferred: false);
        using (var certfps = Command(connection, tx, "DELETE FROM account_certfps WHERE account IN (SELECT name FROM accounts WHERE name_folded = $folded);"))
        {
            certfps.Parameters.AddWithValue("$folded", CaseMapping.Fold(name));
            certfps.ExecuteNonQuery();
        }
        using var delete = Command(connection, tx, "DELETE FROM accounts WHERE name_folded = $folded;");
        delete.Parameters.AddWithValue("$folded", CaseMapping.Fold(name));
        var deleted = delete.ExecuteNonQuery() == 1;
        tx.Commit();
        return ValueTask.FromResult(deleted ? AccountResult.Ok : AccountResult.NotFound);
    }

    public ValueTask<AccountResult> AddCertFpAsync(string name, string certfp, CancellationToken cancellationToken = default)
    {
        if (CertFingerprints.Normalize(certfp) is not { } fp)
        {
            return ValueTask.FromResult(AccountResult.InvalidName);
        }
        using var connection = _db.OpenConnection();
        using var insert = Command(connection, null, """
            INSERT INTO account_certfps (certfp, account)
            SELECT $fp, name FROM accounts WHERE name_folded = $folded
            ON CONFLICT(certfp) DO NOTHING;
            """);
        insert.Parameters.AddWithValue("$fp", fp);
        insert.Parameters.AddWithValue("$folded", CaseMapping.Fold(name));
        if (insert.ExecuteNonQuery() == 1)
        {
            return ValueTask.FromResult(AccountResult.Ok);
        }
        using var exists = Command(connection, null, "SELECT 1 FROM accounts WHERE name_folded = $folded;");
        exists.Parameters.AddWithValue("$folded", CaseMapping.Fold(name));
        return ValueTask.FromResult(exists.ExecuteScalar() is null ? AccountResult.NotFound : AccountResult.AlreadyExists);
    }

    public ValueTask<AccountResult> RemoveCertFpAsync(string name, string certfp, CancellationToken cancellationToken = default)
    {
        using var connection = _db.OpenConnection();
        using var delete = Command(connection, null, """
            DELETE FROM account_certfps WHERE certfp = $fp AND account IN (SELECT name FROM accounts WHERE name_folded = $folded);
            """);
        delete.Parameters.AddWithValue("$fp", CertFingerprints.Normalize(certfp) ?? certfp);
        delete.Parameters.AddWithValue("$folded", CaseMapping.Fold(name));
        return ValueTask.FromResult(delete.ExecuteNonQuery() == 1 ? AccountResult.Ok : AccountResult.NotFound);
    }

    public ValueTask<IReadOnlyList<string>> ListCertFpsAsync(string name, CancellationToken cancellationToken = default)
    {
        using var connection = _db.OpenConnection();
        using var select = Command(connection, null, """
            SELECT certfp FROM account_certfps WHERE account IN (SELECT name FROM accounts WHERE name_folded = $folded) ORDER BY certfp;
            """);
        select.Parameters.AddWithValue("$folded", CaseMapping.Fold(name));
        using var reader = select.ExecuteReader();
        var list = new List<string>();
        while (reader.Read())
        {
            list.Add(reader.GetString(0));
        }
        return ValueTask.FromResult<IReadOnlyList<string>>(list);
    }

    public async ValueTask<AccountRecord?> FindByCertFpAsync(string certfp, CancellationToken cancellationToken = default)
    {
        if (CertFingerprints.Normalize(certfp) is not { } fp)
        {
            return null;
        }
        string? name;
        using (var connection = _db.OpenConnection())
        using (var select = Command(connection, null, "SELECT account FROM account_certfps WHERE certfp = $fp;"))
        {
            select.Parameters.AddWithValue("$fp", fp);
            name = select.ExecuteScalar() as string;
        }
        return name is null ? null : await GetAsync(name, cancellationToken);
    }

    public ValueTask<IReadOnlyList<AccountSummary>> ListAsync(CancellationToken cancellationToken = default)
    {
        using var connection = _db.OpenConnection();
        using var select = Command(connection, null, "SELECT name, email, created_at FROM accounts ORDER BY name_folded;");
        using var reader = select.ExecuteReader();
        var list = new List<AccountSummary>();
        while (reader.Read())
        {
            list.Add(new AccountSummary(
                reader.GetString(0),
                reader.IsDBNull(1) ? null : reader.GetString(1),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2))));
        }
        return ValueTask.FromResult<IReadOnlyList<AccountSummary>>(list);
    }

    public async ValueTask<AccountRecord?> VerifyAsync(string name, string password, CancellationToken cancellationToken = default)
    {
        if (password.Length is 0 or > AccountNames.MaxPasswordLength)
        {
            return null;
        }
        var account = await GetAsync(name, cancellationToken);
        return account is not null && account.Credentials.Verify(password) ? account : null;
    }

    public void Dispose()
    {
        lock (_lookupGate)
        {
            _disposed = true;
            CloseLookup();
        }
        if (_ownsDatabase)
        {
            _db.Dispose();
        }
    }

    private static void Refold(SqliteConnection connection, SqliteTransaction tx, CaseMapping mapping)
    {
        var names = new List<string>();
        using (var select = Command(connection, tx, "SELECT name FROM accounts;"))
        using (var reader = select.ExecuteReader())
        {
            while (reader.Read())
            {
                names.Add(reader.GetString(0));
            }
        }
        var clash = names.GroupBy(mapping.Fold, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (clash is not null)
        {
            throw new InvalidOperationException(
                $"accounts {string.Join(" and ", clash)} would be the same account under casemapping {mapping.Name}: delete one first");
        }
        // Through a temporary key first, so no intermediate state clashes on the primary key.
        using (var mark = Command(connection, tx, "UPDATE accounts SET name_folded = '\u0001' || name;"))
        {
            mark.ExecuteNonQuery();
        }
        foreach (var name in names)
        {
            using var update = Command(connection, tx, "UPDATE accounts SET name_folded = $folded WHERE name = $name;");
            update.Parameters.AddWithValue("$folded", mapping.Fold(name));
            update.Parameters.AddWithValue("$name", name);
            update.ExecuteNonQuery();
        }
    }

    private static void AddCredentials(SqliteCommand command, ScramCredentials credentials)
    {
        command.Parameters.AddWithValue("$salt", credentials.Salt.ToArray());
        command.Parameters.AddWithValue("$iterations", credentials.Iterations);
        command.Parameters.AddWithValue("$stored", credentials.StoredKey.ToArray());
        command.Parameters.AddWithValue("$server", credentials.ServerKey.ToArray());
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? tx, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        return command;
    }
}
