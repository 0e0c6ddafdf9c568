using Npgsql;
using NpgsqlTypes;
using Parley.Protocol;
using Parley.Server.Security;
using Parley.Server.Storage;

namespace Parley.Cluster.Storage;

/// <summary>
/// Accounts in the cluster's PostgreSQL database (<see cref="PostgresDatabase"/>): the same
/// contract as <see cref="SqliteAccountStore"/>, shared by every node. The casemapping that
/// folds names is recorded in <c>parley_meta</c>, as SQLite records it in <c>meta</c>.
/// </summary>
/// <remarks>
/// Thread-safe; nothing is cached, so a change made on one node is seen by the next call on
/// any other. A write is committed (durable) when its task completes.
/// </remarks>
public sealed class PostgresAccountStore : IAccountStore
{
    private const string CaseMappingKey = "casemapping";

    private readonly PostgresDatabase _db;
    private readonly bool _ownsDatabase;
    private readonly TimeProvider _time;
    private readonly int _iterations;

    private PostgresAccountStore(PostgresDatabase db, bool ownsDatabase, CaseMapping mapping, TimeProvider time, int iterations)
    {
        _db = db;
        _ownsDatabase = ownsDatabase;
        CaseMapping = mapping;
        _time = time;
        _iterations = iterations;
    }

    public CaseMapping CaseMapping { get; }

    private NpgsqlDataSource Source => _db.DataSource;

    /// <summary>
    /// The accounts of <paramref name="db"/>. With a <paramref name="caseMapping"/> the
    /// database is set to it, names refolded if it used another; without one, the database's
    /// is used (rfc1459 for a new one). As <see cref="SqliteAccountStore.Open"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">Refolding would make two names one.</exception>
    public static async Task<PostgresAccountStore> OpenAsync(PostgresDatabase db, CaseMapping? caseMapping, TimeProvider time,
        int iterations = ScramCredentials.DefaultIterations, bool ownsDatabase = false, CancellationToken cancellationToken = default)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1);", connection, tx))
        {
            lockCommand.Parameters.AddWithValue(PostgresDatabase.MigrationLockKey);
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }
        string? stored;
        await using (var read = new NpgsqlCommand("SELECT value FROM parley_meta WHERE key = $1;", connection, tx))
        {
            read.Parameters.AddWithValue(CaseMappingKey);
            stored = await read.ExecuteScalarAsync(cancellationToken) as string;
        }
        var storedMapping = stored is not null && CaseMapping.TryGet(stored, out var m) ? m : null;
        var mapping = caseMapping ?? storedMapping ?? CaseMapping.Rfc1459;
        if (storedMapping != mapping)
        {
            if (storedMapping is not null)
            {
                await RefoldAsync(connection, tx, mapping, cancellationToken);
            }
            await using var write = new NpgsqlCommand(
                "INSERT INTO parley_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value;", connection, tx);
            write.Parameters.AddWithValue(CaseMappingKey);
            write.Parameters.AddWithValue(mapping.Name);
            await write.ExecuteNonQueryAsync(cancellationToken);
        }
        await tx.CommitAsync(cancellationToken);
        return new PostgresAccountStore(db, ownsDatabase, mapping, time, iterations);
    }

    public async ValueTask<AccountResult> CreateAsync(string name, string password, string? email = null, CancellationToken cancellationToken = default)
    {
        if (!AccountNames.IsValid(name))
        {
            return AccountResult.InvalidName;
        }
        if (!AccountNames.IsValidPassword(password))
        {
            return AccountResult.InvalidPassword;
        }
        var credentials = ScramCredentials.Create(password, _iterations);
        await using var insert = Source.CreateCommand("""
            INSERT INTO accounts (name_folded, name, email, created_at, scram_salt, scram_iterations, scram_stored_key, scram_server_key)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            ON CONFLICT (name_folded) DO NOTHING;
            """);
        insert.Parameters.AddWithValue(CaseMapping.Fold(name));
        insert.Parameters.AddWithValue(name);
        insert.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)email ?? DBNull.Value });
        insert.Parameters.AddWithValue(_time.GetUtcNow().ToUnixTimeMilliseconds());
        AddCredentials(insert, credentials);
        return await insert.ExecuteNonQueryAsync(cancellationToken) == 1 ? AccountResult.Ok : AccountResult.AlreadyExists;
    }

    public async ValueTask<AccountRecord?> GetAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var select = Source.CreateCommand("""
            SELECT name, email, created_at, scram_salt, scram_iterations, scram_stored_key, scram_server_key, always_on, autoreplay_missed
            FROM accounts WHERE name_folded = $1;
            """);
        select.Parameters.AddWithValue(CaseMapping.Fold(name));
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        var credentials = new ScramCredentials(
            reader.GetFieldValue<byte[]>(3), reader.GetInt32(4), reader.GetFieldValue<byte[]>(5), reader.GetFieldValue<byte[]>(6));
        return new AccountRecord(
            reader.GetString(0),
            credentials,
            reader.IsDBNull(1) ? null : reader.GetString(1),
            DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)),
            reader.IsDBNull(7) ? null : reader.GetBoolean(7),
            reader.IsDBNull(8) ? null : reader.GetBoolean(8));
    }

    public async ValueTask<AccountResult> SetAutoreplayMissedAsync(string name, bool? replay, CancellationToken cancellationToken = default)
    {
        await using var update = Source.CreateCommand("UPDATE accounts SET autoreplay_missed = $2 WHERE name_folded = $1;");
        update.Parameters.AddWithValue(CaseMapping.Fold(name));
        update.Parameters.Add(new Npgsql.NpgsqlParameter { Value = replay is { } on ? on : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Boolean });
        return await update.ExecuteNonQueryAsync(cancellationToken) == 1 ? AccountResult.Ok : AccountResult.NotFound;
    }

    public async ValueTask<AccountResult> SetAlwaysOnAsync(string name, bool? alwaysOn, CancellationToken cancellationToken = default)
    {
        await using var update = Source.CreateCommand("UPDATE accounts SET always_on = $2 WHERE name_folded = $1;");
        update.Parameters.AddWithValue(CaseMapping.Fold(name));
        update.Parameters.Add(new Npgsql.NpgsqlParameter { Value = alwaysOn is { } on ? on : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Boolean });
        return await update.ExecuteNonQueryAsync(cancellationToken) == 1 ? AccountResult.Ok : AccountResult.NotFound;
    }

    public async ValueTask<AccountResult> SetPasswordAsync(string name, string password, CancellationToken cancellationToken = default)
    {
        if (!AccountNames.IsValidPassword(password))
        {
            return AccountResult.InvalidPassword;
        }
        var credentials = ScramCredentials.Create(password, _iterations);
        await using var update = Source.CreateCommand("""
            UPDATE accounts SET scram_salt = $2, scram_iterations = $3, scram_stored_key = $4, scram_server_key = $5
            WHERE name_folded = $1;
            """);
        update.Parameters.AddWithValue(CaseMapping.Fold(name));
        AddCredentials(update, credentials);
        return await update.ExecuteNonQueryAsync(cancellationToken) == 1 ? AccountResult.Ok : AccountResult.NotFound;
    }

    public async ValueTask<AccountResult> DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var delete = Source.CreateCommand("""
            WITH gone AS (DELETE FROM accounts WHERE name_folded = $1 RETURNING name),
                 fps AS (DELETE FROM account_certfps WHERE account IN (SELECT name FROM gone))
            SELECT count(*) FROM gone;
            """);
        delete.Parameters.AddWithValue(CaseMapping.Fold(name));
        return (long)(await delete.ExecuteScalarAsync(cancellationToken))! == 1 ? AccountResult.Ok : AccountResult.NotFound;
    }

    public async ValueTask<AccountResult> AddCertFpAsync(string name, string certfp, CancellationToken cancellationToken = default)
    {
        if (CertFingerprints.Normalize(certfp) is not { } fp)
        {
            return AccountResult.InvalidName;
        }
        await using var insert = Source.CreateCommand("""
            INSERT INTO account_certfps (certfp, account)
            SELECT $1, name FROM accounts WHERE name_folded = $2
            ON CONFLICT (certfp) DO NOTHING;
            """);
        insert.Parameters.AddWithValue(fp);
        insert.Parameters.AddWithValue(CaseMapping.Fold(name));
        if (await insert.ExecuteNonQueryAsync(cancellationToken) == 1)
        {
            return AccountResult.Ok;
        }
        await using var exists = Source.CreateCommand("SELECT 1 FROM accounts WHERE name_folded = $1;");
        exists.Parameters.AddWithValue(CaseMapping.Fold(name));
        return await exists.ExecuteScalarAsync(cancellationToken) is null ? AccountResult.NotFound : AccountResult.AlreadyExists;
    }

    public async ValueTask<AccountResult> RemoveCertFpAsync(string name, string certfp, CancellationToken cancellationToken = default)
    {
        await using var delete = Source.CreateCommand(
            "DELETE FROM account_certfps WHERE certfp = $1 AND account IN (SELECT name FROM accounts WHERE name_folded = $2);");
        delete.Parameters.AddWithValue(CertFingerprints.Normalize(certfp) ?? certfp);
        delete.Parameters.AddWithValue(CaseMapping.Fold(name));
        return await delete.ExecuteNonQueryAsync(cancellationToken) == 1 ? AccountResult.Ok : AccountResult.NotFound;
    }

    public async ValueTask<IReadOnlyList<string>> ListCertFpsAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var select = Source.CreateCommand(
            "SELECT certfp FROM account_certfps WHERE account IN (SELECT name FROM accounts WHERE name_folded = $1) ORDER BY certfp;");
        select.Parameters.AddWithValue(CaseMapping.Fold(name));
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var list = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(reader.GetString(0));
        }
        return list;
    }

    public async ValueTask<AccountRecord?> FindByCertFpAsync(string certfp, CancellationToken cancellationToken = default)
    {
        if (CertFingerprints.Normalize(certfp) is not { } fp)
        {
            return null;
        }
        await using var select = Source.CreateCommand("SELECT account FROM account_certfps WHERE certfp = $1;");
        select.Parameters.AddWithValue(fp);
        return await select.ExecuteScalarAsync(cancellationToken) is string name ? await GetAsync(name, cancellationToken) : null;
    }

    public async ValueTask<IReadOnlyList<AccountSummary>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var select = Source.CreateCommand("SELECT name, email, created_at FROM accounts ORDER BY name_folded;");
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var list = new List<AccountSummary>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new AccountSummary(
                reader.GetString(0),
                reader.IsDBNull(1) ? null : reader.GetString(1),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2))));
        }
        return list;
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
        if (_ownsDatabase)
        {
            _db.Dispose();
        }
    }

    private static async Task RefoldAsync(NpgsqlConnection connection, NpgsqlTransaction tx, CaseMapping mapping, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        await using (var select = new NpgsqlCommand("SELECT name FROM accounts;", connection, tx))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
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
        await using (var mark = new NpgsqlCommand("UPDATE accounts SET name_folded = chr(1) || name;", connection, tx))
        {
            await mark.ExecuteNonQueryAsync(cancellationToken);
        }
        foreach (var name in names)
        {
            await using var update = new NpgsqlCommand("UPDATE accounts SET name_folded = $1 WHERE name = $2;", connection, tx);
            update.Parameters.AddWithValue(mapping.Fold(name));
            update.Parameters.AddWithValue(name);
            await update.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>Appends four positional parameters: salt, iterations, StoredKey, ServerKey.</summary>
    private static void AddCredentials(NpgsqlCommand command, ScramCredentials credentials)
    {
        command.Parameters.AddWithValue(credentials.Salt.ToArray());
        command.Parameters.AddWithValue(credentials.Iterations);
        command.Parameters.AddWithValue(credentials.StoredKey.ToArray());
        command.Parameters.AddWithValue(credentials.ServerKey.ToArray());
    }
}
