using System.Text;
using Npgsql;
using NpgsqlTypes;
using Parley.Protocol;
using Parley.Server.Storage;

namespace Parley.Cluster.Storage;

/// <summary>
/// History in the cluster's PostgreSQL database: the same contract as
/// <see cref="SqliteHistoryStore"/>, shared by every node, so a message stored on one node is
/// read back (CHATHISTORY) on any other.
/// </summary>
/// <remarks>
/// Durability: <see cref="AppendAsync"/> is one transaction (a group commit: every record the
/// delivery pipeline gathered, in one batch, one round trip); with PostgreSQL's default
/// <c>synchronous_commit=on</c> it returns once the WAL is flushed, so a message is stored
/// before anyone receives it (ARCHITECTURE.md rule 10) even if the database's machine crashes.
/// Threading: safe from any thread; every call takes a pooled connection of its own. Two
/// nodes appending at once get interleaved, increasing sequence numbers.
/// </remarks>
public sealed class PostgresHistoryStore : IHistoryStore
{
    private const string Columns = "seq, target, correspondent, time, msgid, command, source, account, params, tags, bot";

    private const string InsertSql = "INSERT INTO history (target, correspondent, time, msgid, kind, command, source, account, params, tags, bot) "
        + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";

    private readonly PostgresDatabase _db;
    private readonly bool _ownsDatabase;

    public PostgresHistoryStore(PostgresDatabase db, bool ownsDatabase = false)
    {
        _db = db;
        _ownsDatabase = ownsDatabase;
    }

    private NpgsqlDataSource Source => _db.DataSource;

    public HistoryRetention Retention { get; set; } = HistoryRetention.None;

    public async Task AppendAsync(IReadOnlyList<HistoryRecord> records, CancellationToken cancellationToken = default)
    {
        if (records.Count == 0)
        {
            return;
        }
        await using var connection = await Source.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, tx);
        foreach (var r in records)
        {
            // A message kept for an offline account is marked in the same statement, with the seq it got.
            var command = new NpgsqlBatchCommand(r.PendingFor is null
                ? InsertSql
                : $"WITH h AS ({InsertSql} RETURNING seq) INSERT INTO history_pending (account, seq) SELECT $12, seq FROM h ON CONFLICT DO NOTHING");
            var p = command.Parameters;
            p.AddWithValue(r.Target);
            p.Add(Text(r.Correspondent));
            p.AddWithValue(r.Time.ToUnixTimeMilliseconds());
            p.AddWithValue(r.MsgId);
            p.AddWithValue((short)(r.IsMessage ? 0 : 1));
            p.AddWithValue(r.Command);
            p.AddWithValue(r.Source);
            p.Add(Text(r.Account));
            p.AddWithValue(string.Join('\n', r.Parameters));
            p.Add(Text(IrcWriter.FormatTags(r.ClientTags)));
            p.AddWithValue(r.Bot);
            if (r.PendingFor is not null)
            {
                p.AddWithValue(r.PendingFor);
            }
            batch.BatchCommands.Add(command);
        }
        await batch.ExecuteNonQueryAsync(cancellationToken);
        await tx.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<HistoryRecord>> QueryAsync(HistoryQuery query, CancellationToken cancellationToken = default)
    {
        var after = HistoryRetention.Floor(query.After, Retention.OldestVisibleMs());
        var before = query.Before ?? new HistoryPoint(long.MaxValue, long.MaxValue);
        var order = query.Direction == HistoryDirection.Forward ? "ASC" : "DESC";
        await using var cmd = Source.CreateCommand(
            $"SELECT {Columns} FROM history WHERE target = $1 AND (time, seq) > ($2, $3) AND (time, seq) < ($4, $5) AND kind <= $6 "
            + $"ORDER BY time {order}, seq {order} LIMIT $7;");
        cmd.Parameters.AddWithValue(query.Target);
        cmd.Parameters.AddWithValue(after.TimeMs);
        cmd.Parameters.AddWithValue(after.Seq);
        cmd.Parameters.AddWithValue(before.TimeMs);
        cmd.Parameters.AddWithValue(before.Seq);
        cmd.Parameters.AddWithValue((short)(query.IncludeEvents ? 1 : 0));
        cmd.Parameters.AddWithValue((long)Math.Max(0, query.Limit));
        var list = await ReadAllAsync(cmd, cancellationToken);
        if (query.Direction == HistoryDirection.Backward)
        {
            list.Reverse();
        }
        return list;
    }

    public async Task<HistoryPoint?> FindAsync(string target, string msgId, CancellationToken cancellationToken = default)
    {
        await using var cmd = Source.CreateCommand("SELECT time, seq FROM history WHERE msgid = $1 AND target = $2 AND time >= $3 LIMIT 1;");
        cmd.Parameters.AddWithValue(msgId);
        cmd.Parameters.AddWithValue(target);
        cmd.Parameters.AddWithValue(Retention.OldestVisibleMs());
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new HistoryPoint(reader.GetInt64(0), reader.GetInt64(1)) : null;
    }

    public async Task<HistoryRecord?> GetAsync(string target, string msgId, CancellationToken cancellationToken = default)
    {
        await using var cmd = Source.CreateCommand($"SELECT {Columns} FROM history WHERE msgid = $1 AND target = $2 AND time >= $3 LIMIT 1;");
        cmd.Parameters.AddWithValue(msgId);
        cmd.Parameters.AddWithValue(target);
        cmd.Parameters.AddWithValue(Retention.OldestVisibleMs());
        var list = await ReadAllAsync(cmd, cancellationToken);
        return list.Count > 0 ? list[0] : null;
    }

    public async Task<IReadOnlyList<HistoryTargetInfo>> ListTargetsAsync(string? owner, IReadOnlyList<string> channels, DateTimeOffset after, DateTimeOffset before, int limit, CancellationToken cancellationToken = default)
    {
        // A target whose latest message is past retention has nothing visible left.
        var lo = Retention.ExclusiveLowerMs(after);
        var hi = before.ToUnixTimeMilliseconds();
        var found = new List<HistoryTargetInfo>();
        if (owner is not null)
        {
            // The correspondent as named in each conversation's latest message.
            await using var cmd = Source.CreateCommand("""
                SELECT DISTINCT ON (target) target, correspondent, time FROM history
                WHERE target >= $1 AND target < $2 AND kind = 0
                ORDER BY target, time DESC, seq DESC;
                """);
            cmd.Parameters.AddWithValue(HistoryTargets.DirectStart(owner));
            cmd.Parameters.AddWithValue(HistoryTargets.DirectEnd(owner));
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var latest = reader.GetInt64(2);
                if (latest > lo && latest < hi)
                {
                    var target = reader.GetString(0);
                    found.Add(new HistoryTargetInfo(target, reader.IsDBNull(1) ? target : reader.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(latest)));
                }
            }
        }
        if (channels.Count > 0)
        {
            await using var cmd = Source.CreateCommand("SELECT target, MAX(time) FROM history WHERE target = ANY($1) AND kind = 0 GROUP BY target;");
            cmd.Parameters.AddWithValue(channels.ToArray());
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var latest = reader.GetInt64(1);
                if (latest > lo && latest < hi)
                {
                    var channel = reader.GetString(0);
                    found.Add(new HistoryTargetInfo(channel, channel, DateTimeOffset.FromUnixTimeMilliseconds(latest)));
                }
            }
        }
        found.Sort((a, b) => a.LatestAt.CompareTo(b.LatestAt));
        if (found.Count > limit)
        {
            found.RemoveRange(limit, found.Count - limit);
        }
        return found;
    }

    public async Task<int> DeleteAsync(string msgId, CancellationToken cancellationToken = default)
    {
        await using var cmd = Source.CreateCommand("""
            WITH gone AS (DELETE FROM history WHERE msgid = $1 RETURNING seq),
                 pending AS (DELETE FROM history_pending WHERE seq IN (SELECT seq FROM gone))
            SELECT count(*) FROM gone;
            """);
        cmd.Parameters.AddWithValue(msgId);
        return (int)(long)(await cmd.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<IReadOnlyList<HistoryRecord>> TakePendingAsync(string foldedAccount, CancellationToken cancellationToken = default)
    {
        // Taken and deleted in one statement: two nodes taking at once each get a message once.
        await using var cmd = Source.CreateCommand($"""
            WITH taken AS (DELETE FROM history_pending WHERE account = $1 RETURNING seq)
            SELECT {Columns} FROM history WHERE seq IN (SELECT seq FROM taken) AND time >= $2 ORDER BY seq;
            """);
        cmd.Parameters.AddWithValue(foldedAccount);
        cmd.Parameters.AddWithValue(Retention.OldestVisibleMs());
        return await ReadAllAsync(cmd, cancellationToken);
    }

    public async Task<DateTimeOffset?> GetReadMarkerAsync(string owner, string target, CancellationToken cancellationToken = default)
    {
        await using var cmd = Source.CreateCommand("SELECT time FROM read_markers WHERE owner = $1 AND target = $2;");
        cmd.Parameters.AddWithValue(owner);
        cmd.Parameters.AddWithValue(target);
        return await cmd.ExecuteScalarAsync(cancellationToken) is long ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
    }

    public async Task<DateTimeOffset> SetReadMarkerAsync(string owner, string target, DateTimeOffset time, CancellationToken cancellationToken = default)
    {
        await using var cmd = Source.CreateCommand("""
            INSERT INTO read_markers (owner, target, time) VALUES ($1, $2, $3)
            ON CONFLICT (owner, target) DO UPDATE SET time = GREATEST(read_markers.time, excluded.time) RETURNING time;
            """);
        cmd.Parameters.AddWithValue(owner);
        cmd.Parameters.AddWithValue(target);
        cmd.Parameters.AddWithValue(time.ToUnixTimeMilliseconds());
        return DateTimeOffset.FromUnixTimeMilliseconds((long)(await cmd.ExecuteScalarAsync(cancellationToken))!);
    }

    public async Task PruneAsync(DateTimeOffset olderThan, int maxPerTarget, CancellationToken cancellationToken = default)
    {
        await using var connection = await Source.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await using (var age = new NpgsqlCommand("DELETE FROM history WHERE time < $1;", connection, tx))
        {
            // Unlike SQLite's file, several nodes' clocks write here: cut by time, not by seq.
            age.Parameters.AddWithValue(olderThan.ToUnixTimeMilliseconds());
            await age.ExecuteNonQueryAsync(cancellationToken);
        }
        if (maxPerTarget > 0)
        {
            await using var cut = new NpgsqlCommand("""
                DELETE FROM history WHERE seq IN (
                    SELECT seq FROM (
                        SELECT seq, row_number() OVER (PARTITION BY target ORDER BY time DESC, seq DESC) AS n FROM history
                    ) ranked WHERE n > $1);
                """, connection, tx);
            cut.Parameters.AddWithValue((long)maxPerTarget);
            await cut.ExecuteNonQueryAsync(cancellationToken);
        }
        await using (var orphans = new NpgsqlCommand(
            "DELETE FROM history_pending p WHERE NOT EXISTS (SELECT 1 FROM history h WHERE h.seq = p.seq);", connection, tx))
        {
            await orphans.ExecuteNonQueryAsync(cancellationToken);
        }
        await tx.CommitAsync(cancellationToken);
    }

    public void Dispose()
    {
        if (_ownsDatabase)
        {
            _db.Dispose();
        }
    }

    private static NpgsqlParameter Text(string? value) => new() { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)value ?? DBNull.Value };

    private static async Task<List<HistoryRecord>> ReadAllAsync(NpgsqlCommand cmd, CancellationToken cancellationToken)
    {
        var list = new List<HistoryRecord>();
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await r.ReadAsync(cancellationToken))
        {
            list.Add(new HistoryRecord(
                r.GetString(1),
                r.IsDBNull(2) ? null : r.GetString(2),
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(3)),
                r.GetString(4),
                r.GetString(5),
                r.GetString(6),
                r.IsDBNull(7) ? null : r.GetString(7),
                r.GetString(8).Split('\n'),
                r.IsDBNull(9) ? null : ParseTags(r.GetString(9)),
                r.GetBoolean(10)) { Seq = r.GetInt64(0) });
        }
        return list;
    }

    private static IReadOnlyList<IrcTag>? ParseTags(string wire)
        => IrcParser.TryParse(Encoding.UTF8.GetBytes("@" + wire + " X"), out var m, out _) && m.Tags.Count > 0 ? m.Tags : null;
}
