using Npgsql;
using Parley.Cluster.Storage;

namespace Parley.Cluster;

/// <summary>
/// Orleans' own tables (membership, grain storage) in the cluster's database. The AdoNet
/// packages do not ship their PostgreSQL scripts, so a copy lives in <c>Sql/</c> (embedded in
/// this assembly), taken from the Orleans repository at a commit that matches the package
/// version. Each script is applied once per database, under an advisory lock, when the table
/// it creates is missing: nodes starting at once apply it once.
/// </summary>
public static class OrleansSchema
{
    /// <summary>The advisory lock key for applying the scripts ("orleans" in ASCII).</summary>
    private const long LockKey = 0x6f726c65616e73;

    /// <summary>Each script, in order, with the table whose presence means it was applied.</summary>
    private static readonly (string Script, string Table)[] Scripts =
    [
        ("PostgreSQL-Main.sql", "orleansquery"),
        ("PostgreSQL-Clustering.sql", "orleansmembershiptable"),
        ("PostgreSQL-Persistence.sql", "orleansstorage"),
    ];

    /// <summary>Applies the scripts the database lacks; returns how many it applied.</summary>
    public static async Task<int> ApplyAsync(PostgresDatabase db, CancellationToken cancellationToken = default)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1);", connection, tx))
        {
            lockCommand.Parameters.AddWithValue(LockKey);
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }
        var applied = 0;
        foreach (var (script, table) in Scripts)
        {
            await using (var exists = new NpgsqlCommand("SELECT to_regclass($1) IS NOT NULL;", connection, tx))
            {
                exists.Parameters.AddWithValue(table);
                if ((bool)(await exists.ExecuteScalarAsync(cancellationToken))!)
                {
                    continue;
                }
            }
            await using var apply = new NpgsqlCommand(Read(script), connection, tx);
            await apply.ExecuteNonQueryAsync(cancellationToken);
            applied++;
        }
        await tx.CommitAsync(cancellationToken);
        return applied;
    }

    private static string Read(string script)
    {
        var assembly = typeof(OrleansSchema).Assembly;
        using var stream = assembly.GetManifestResourceStream("Parley.Cluster.Sql." + script)
            ?? throw new InvalidOperationException($"{script} is not embedded in {assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
