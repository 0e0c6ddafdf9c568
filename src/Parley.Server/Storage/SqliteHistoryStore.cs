using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using Parley.Protocol;
using SQLitePCL;

namespace Parley.Server.Storage;

/// <summary>
/// History in SQLite: its own file, <c>history.db</c>, in the data directory, so message
/// writes never contend with account writes in <c>parley.db</c> (SQLite has one writer per
/// file). WAL mode; one long-lived writer connection with prepared statements (the delivery
/// pipeline is the only writer); readers open pooled connections of their own and never wait
/// for the writer.
/// </summary>
/// <remarks>
/// Durability: <c>synchronous=NORMAL</c>. In WAL mode a commit is a write() of its pages to the
/// WAL file; the fsync happens at checkpoints. A process crash (SIGKILL, an exception) loses
/// nothing that was committed, because the written pages are in the operating system's page
/// cache and the next open replays the WAL. Only a power failure or kernel crash can lose the
/// last commits, and even then the file stays consistent. ARCHITECTURE.md rule 10 asks for the
/// first; the second would cost an fsync per group commit (see docs/DEVELOPING.md).
///
/// Threading: <see cref="AppendAsync"/>, <see cref="PruneAsync"/> and <see cref="DeleteAsync"/>
/// share the writer connection under <c>_writeGate</c>; everything else is safe from any thread.
/// </remarks>
public sealed class SqliteHistoryStore : IHistoryStore
{
    public const string FileName = "history.db";

    private const int SchemaVersion = 2;
    private const string Columns = "seq, target, correspondent, time, msgid, command, source, account, params, tags, bot";

    private readonly string _connectionString;
    private readonly SqliteConnection _writer;
    private readonly SqliteConnection? _keepAlive;
    private readonly Lock _writeGate = new();
    private sqlite3_stmt? _insert;
    private byte[] _bindBuffer = new byte[1024];
    private SqliteCommand? _insertPending;

    private SqliteHistoryStore(string connectionString, SqliteConnection? keepAlive)
    {
        _connectionString = connectionString;
        _keepAlive = keepAlive;
        _writer = Open();
        Migrate(_writer);
    }

    /// <summary>Opens (creating if needed) <c>history.db</c> in <paramref name="dataDir"/>.</summary>
    public static SqliteHistoryStore Open(string dataDir)
    {
        Directory.CreateDirectory(dataDir);
        var path = Path.GetFullPath(Path.Combine(dataDir, FileName));
        var cs = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = (int)SqliteDatabase.BusyTimeout.TotalSeconds,
        }.ToString();
        return new SqliteHistoryStore(cs, null);
    }

    /// <summary>A private in-memory store (tests).</summary>
    public static SqliteHistoryStore OpenInMemory()
    {
        var cs = new SqliteConnectionStringBuilder
        {
            DataSource = "parley-history-" + Guid.NewGuid().ToString("N"),
            Mode = SqliteOpenMode.Memory,
            Cache = SqliteCacheMode.Shared,
        }.ToString();
        var keepAlive = new SqliteConnection(cs);
        keepAlive.Open();
        return new SqliteHistoryStore(cs, keepAlive);
    }

    private SqliteConnection Open()
    {
        var c = new SqliteConnection(_connectionString);
        c.Open();
        Execute(c, $"PRAGMA busy_timeout={((int)SqliteDatabase.BusyTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)}; PRAGMA synchronous=NORMAL;");
        return c;
    }

    private void Migrate(SqliteConnection c)
    {
        if (_keepAlive is null)
        {
            Execute(c, "PRAGMA journal_mode=WAL;");
        }
        using var tx = c.BeginTransaction(deferred: false);
        long version;
        using (var read = c.CreateCommand())
        {
            read.Transaction = tx;
            read.CommandText = "PRAGMA user_version;";
            version = (long)read.ExecuteScalar()!;
        }
        if (version > SchemaVersion)
        {
            throw new InvalidOperationException($"history.db has schema version {version}, newer than this Parley knows ({SchemaVersion}): upgrade Parley");
        }
        if (version < 1)
        {
            // time: Unix ms. kind: 0 for PRIVMSG/NOTICE, 1 for the rest (event-playback).
            // params: the parameters joined with LF, which no IRC parameter contains.
            // tags: the client-only tags in wire form. The index on (target, time) also holds
            // seq (the rowid), so it serves every range query in (time, seq) order.
            using var create = c.CreateCommand();
            create.Transaction = tx;
            create.CommandText = """
                CREATE TABLE history (
                    seq           INTEGER PRIMARY KEY,
                    target        TEXT    NOT NULL,
                    correspondent TEXT,
                    time          INTEGER NOT NULL,
                    msgid         TEXT    NOT NULL,
                    kind          INTEGER NOT NULL,
                    command       TEXT    NOT NULL,
                    source        TEXT    NOT NULL,
                    account       TEXT,
                    params        TEXT    NOT NULL,
                    tags          TEXT,
                    bot           INTEGER NOT NULL
                );
                CREATE INDEX history_target_time ON history (target, time);
                CREATE INDEX history_msgid ON history (msgid);
                CREATE TABLE pending (
                    account TEXT    NOT NULL,
                    seq     INTEGER NOT NULL,
                    PRIMARY KEY (account, seq)
                ) WITHOUT ROWID;
                PRAGMA user_version = 1;
                """;
            create.ExecuteNonQuery();
        }
        if (version < 2)
        {
            // draft/read-marker: per history owner (see HistoryTargets) and target, Unix ms.
            using var create = c.CreateCommand();
            create.Transaction = tx;
            create.CommandText = """
                CREATE TABLE read_markers (
                    owner  TEXT    NOT NULL,
                    target TEXT    NOT NULL,
                    time   INTEGER NOT NULL,
                    PRIMARY KEY (owner, target)
                ) WITHOUT ROWID;
                PRAGMA user_version = 2;
                """;
            create.ExecuteNonQuery();
        }
        tx.Commit();
    }

    public HistoryRetention Retention { get; set; } = HistoryRetention.None;

    public Task AppendAsync(IReadOnlyList<HistoryRecord> records, CancellationToken cancellationToken = default)
    {
        if (records.Count == 0)
        {
            return Task.CompletedTask;
        }
        lock (_writeGate)
        {
            using var tx = _writer.BeginTransaction();
            // SQLite's own API for the hot insert: ADO.NET's per-execution cost (a data reader,
            // binding each parameter by name) was about half of a record's (issue 7).
            var db = _writer.Handle!;
            var insert = _insert ??= PrepareInsert(db);
            foreach (var r in records)
            {
                BindText(insert, 1, r.Target);
                BindText(insert, 2, r.Correspondent);
                raw.sqlite3_bind_int64(insert, 3, r.Time.ToUnixTimeMilliseconds());
                BindText(insert, 4, r.MsgId);
                raw.sqlite3_bind_int64(insert, 5, r.IsMessage ? 0 : 1);
                BindText(insert, 6, r.Command);
                BindText(insert, 7, r.Source);
                BindText(insert, 8, r.Account);
                BindJoined(insert, 9, r.Parameters);
                BindText(insert, 10, IrcWriter.FormatTags(r.ClientTags));
                raw.sqlite3_bind_int64(insert, 11, r.Bot ? 1 : 0);
                var rc = raw.sqlite3_step(insert);
                raw.sqlite3_reset(insert);
                if (rc != raw.SQLITE_DONE)
                {
                    throw new SqliteException(raw.sqlite3_errmsg(db).utf8_to_string(), rc);
                }
                if (r.PendingFor is not null)
                {
                    var pending = _insertPending ??= PreparePending();
                    pending.Transaction = tx;
                    pending.Parameters[0].Value = r.PendingFor;
                    pending.Parameters[1].Value = raw.sqlite3_last_insert_rowid(db);
                    pending.ExecuteNonQuery();
                }
            }
            tx.Commit();
        }
        return Task.CompletedTask;
    }

    private static sqlite3_stmt PrepareInsert(sqlite3 db)
    {
        const string sql = "INSERT INTO history (target, correspondent, time, msgid, kind, command, source, account, params, tags, bot) "
            + "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11);";
        var rc = raw.sqlite3_prepare_v2(db, sql, out var stmt);
        if (rc != raw.SQLITE_OK)
        {
            throw new SqliteException(raw.sqlite3_errmsg(db).utf8_to_string(), rc);
        }
        return stmt;
    }

    /// <summary>The parameters joined with LF, encoded straight into the bind buffer.</summary>
    private void BindJoined(sqlite3_stmt stmt, int index, IReadOnlyList<string> parameters)
    {
        var max = parameters.Count;
        foreach (var p in parameters)
        {
            max += Encoding.UTF8.GetMaxByteCount(p.Length);
        }
        var n = 0;
        var buffer = BindBuffer(max);
        for (var i = 0; i < parameters.Count; i++)
        {
            if (i > 0)
            {
                buffer[n++] = (byte)'\n';
            }
            n += Encoding.UTF8.GetBytes(parameters[i], buffer.AsSpan(n));
        }
        BindUtf8(stmt, index, n);
    }

    /// <summary>
    /// Binds <paramref name="value"/> encoded into the writer's own buffer (SQLite copies it:
    /// SQLITE_TRANSIENT) instead of the string overload's new array per value. Only under
    /// <c>_writeGate</c>.
    /// </summary>
    private void BindText(sqlite3_stmt stmt, int index, string? value)
    {
        if (value is null)
        {
            raw.sqlite3_bind_null(stmt, index);
            return;
        }
        var n = Encoding.UTF8.GetBytes(value, BindBuffer(Encoding.UTF8.GetMaxByteCount(value.Length)));
        BindUtf8(stmt, index, n);
    }

    private byte[] BindBuffer(int size)
    {
        if (_bindBuffer.Length < size)
        {
            _bindBuffer = new byte[Math.Max(size, _bindBuffer.Length * 2)];
        }
        return _bindBuffer;
    }

    private void BindUtf8(sqlite3_stmt stmt, int index, int length)
    {
        if (length == 0)
        {
            // An empty span would be bound as a null pointer: NULL, not ''.
            raw.sqlite3_bind_text(stmt, index, "");
            return;
        }
        raw.sqlite3_bind_text(stmt, index, new ReadOnlySpan<byte>(_bindBuffer, 0, length));
    }

    private SqliteCommand PreparePending()
    {
        var c = _writer.CreateCommand();
        c.CommandText = "INSERT OR IGNORE INTO pending (account, seq) VALUES ($a, $s);";
        c.Parameters.Add(new SqliteParameter { ParameterName = "$a" });
        c.Parameters.Add(new SqliteParameter { ParameterName = "$s" });
        c.Prepare();
        return c;
    }

    public Task<IReadOnlyList<HistoryRecord>> QueryAsync(HistoryQuery query, CancellationToken cancellationToken = default)
    {
        var after = HistoryRetention.Floor(query.After, Retention.OldestVisibleMs());
        var before = query.Before ?? new HistoryPoint(long.MaxValue, long.MaxValue);
        var order = query.Direction == HistoryDirection.Forward ? "ASC" : "DESC";
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"SELECT {Columns} FROM history WHERE target = $t AND (time, seq) > ($at, $as) AND (time, seq) < ($bt, $bs) AND kind <= $k "
            + $"ORDER BY time {order}, seq {order} LIMIT $n;";
        cmd.Parameters.AddWithValue("$t", query.Target);
        cmd.Parameters.AddWithValue("$at", after.TimeMs);
        cmd.Parameters.AddWithValue("$as", after.Seq);
        cmd.Parameters.AddWithValue("$bt", before.TimeMs);
        cmd.Parameters.AddWithValue("$bs", before.Seq);
        cmd.Parameters.AddWithValue("$k", query.IncludeEvents ? 1 : 0);
        cmd.Parameters.AddWithValue("$n", Math.Max(0, query.Limit));
        var list = ReadAll(cmd);
        if (query.Direction == HistoryDirection.Backward)
        {
            list.Reverse();
        }
        return Task.FromResult<IReadOnlyList<HistoryRecord>>(list);
    }

    public Task<HistoryPoint?> FindAsync(string target, string msgId, CancellationToken cancellationToken = default)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT time, seq FROM history WHERE msgid = $m AND target = $t AND time >= $o LIMIT 1;";
        cmd.Parameters.AddWithValue("$m", msgId);
        cmd.Parameters.AddWithValue("$t", target);
        cmd.Parameters.AddWithValue("$o", Retention.OldestVisibleMs());
        using var reader = cmd.ExecuteReader();
        HistoryPoint? point = reader.Read() ? new HistoryPoint(reader.GetInt64(0), reader.GetInt64(1)) : null;
        return Task.FromResult(point);
    }

    public Task<HistoryRecord?> GetAsync(string target, string msgId, CancellationToken cancellationToken = default)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"SELECT {Columns} FROM history WHERE msgid = $m AND target = $t AND time >= $o LIMIT 1;";
        cmd.Parameters.AddWithValue("$m", msgId);
        cmd.Parameters.AddWithValue("$t", target);
        cmd.Parameters.AddWithValue("$o", Retention.OldestVisibleMs());
        var list = ReadAll(cmd);
        return Task.FromResult(list.Count > 0 ? list[0] : null);
    }

    public Task<IReadOnlyList<HistoryTargetInfo>> ListTargetsAsync(string? owner, IReadOnlyList<string> channels, DateTimeOffset after, DateTimeOffset before, int limit, CancellationToken cancellationToken = default)
    {
        // A target whose latest message is past retention has nothing visible left.
        var lo = Retention.ExclusiveLowerMs(after);
        var hi = before.ToUnixTimeMilliseconds();
        var found = new List<HistoryTargetInfo>();
        using var c = Open();
        if (owner is not null)
        {
            using var cmd = c.CreateCommand();
            // SQLite takes the bare correspondent column from the row holding the MAX.
            cmd.CommandText = "SELECT target, correspondent, MAX(time) FROM history WHERE target >= $s AND target < $e AND kind = 0 GROUP BY target;";
            cmd.Parameters.AddWithValue("$s", HistoryTargets.DirectStart(owner));
            cmd.Parameters.AddWithValue("$e", HistoryTargets.DirectEnd(owner));
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                var latest = reader.GetInt64(2);
                if (latest > lo && latest < hi)
                {
                    found.Add(new HistoryTargetInfo(reader.GetString(0), reader.IsDBNull(1) ? reader.GetString(0) : reader.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(latest)));
                }
            }
        }
        foreach (var channel in channels)
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = "SELECT MAX(time) FROM history WHERE target = $t AND kind = 0;";
            cmd.Parameters.AddWithValue("$t", channel);
            if (cmd.ExecuteScalar() is long latest && latest > lo && latest < hi)
            {
                found.Add(new HistoryTargetInfo(channel, channel, DateTimeOffset.FromUnixTimeMilliseconds(latest)));
            }
        }
        found.Sort((a, b) => a.LatestAt.CompareTo(b.LatestAt));
        if (found.Count > limit)
        {
            found.RemoveRange(limit, found.Count - limit);
        }
        return Task.FromResult<IReadOnlyList<HistoryTargetInfo>>(found);
    }

    public Task<int> DeleteAsync(string msgId, CancellationToken cancellationToken = default)
    {
        lock (_writeGate)
        {
            using var tx = _writer.BeginTransaction();
            using var pending = _writer.CreateCommand();
            pending.Transaction = tx;
            pending.CommandText = "DELETE FROM pending WHERE seq IN (SELECT seq FROM history WHERE msgid = $m);";
            pending.Parameters.AddWithValue("$m", msgId);
            pending.ExecuteNonQuery();
            using var delete = _writer.CreateCommand();
            delete.Transaction = tx;
            delete.CommandText = "DELETE FROM history WHERE msgid = $m;";
            delete.Parameters.AddWithValue("$m", msgId);
            var n = delete.ExecuteNonQuery();
            tx.Commit();
            return Task.FromResult(n);
        }
    }

    public Task<IReadOnlyList<HistoryRecord>> TakePendingAsync(string foldedAccount, CancellationToken cancellationToken = default)
    {
        lock (_writeGate)
        {
            using var tx = _writer.BeginTransaction();
            using var read = _writer.CreateCommand();
            read.Transaction = tx;
            read.CommandText = $"SELECT {Columns} FROM history WHERE seq IN (SELECT seq FROM pending WHERE account = $a) AND time >= $o ORDER BY seq;";
            read.Parameters.AddWithValue("$a", foldedAccount);
            read.Parameters.AddWithValue("$o", Retention.OldestVisibleMs());
            var list = ReadAll(read);
            using var delete = _writer.CreateCommand();
            delete.Transaction = tx;
            delete.CommandText = "DELETE FROM pending WHERE account = $a;";
            delete.Parameters.AddWithValue("$a", foldedAccount);
            delete.ExecuteNonQuery();
            tx.Commit();
            return Task.FromResult<IReadOnlyList<HistoryRecord>>(list);
        }
    }

    public Task<DateTimeOffset?> GetReadMarkerAsync(string owner, string target, CancellationToken cancellationToken = default)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT time FROM read_markers WHERE owner = $o AND target = $t;";
        cmd.Parameters.AddWithValue("$o", owner);
        cmd.Parameters.AddWithValue("$t", target);
        DateTimeOffset? marker = cmd.ExecuteScalar() is long ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
        return Task.FromResult(marker);
    }

    public Task<DateTimeOffset> SetReadMarkerAsync(string owner, string target, DateTimeOffset time, CancellationToken cancellationToken = default)
    {
        lock (_writeGate)
        {
            using var cmd = _writer.CreateCommand();
            cmd.CommandText = "INSERT INTO read_markers (owner, target, time) VALUES ($o, $t, $ms) "
                + "ON CONFLICT (owner, target) DO UPDATE SET time = MAX(time, excluded.time) RETURNING time;";
            cmd.Parameters.AddWithValue("$o", owner);
            cmd.Parameters.AddWithValue("$t", target);
            cmd.Parameters.AddWithValue("$ms", time.ToUnixTimeMilliseconds());
            return Task.FromResult(DateTimeOffset.FromUnixTimeMilliseconds((long)cmd.ExecuteScalar()!));
        }
    }

    public Task PruneAsync(DateTimeOffset olderThan, int maxPerTarget, CancellationToken cancellationToken = default)
    {
        lock (_writeGate)
        {
            using var tx = _writer.BeginTransaction();
            using (var age = _writer.CreateCommand())
            {
                // Server times never go backwards (IrcNetwork.NowTag), so the old records are
                // the first ones in seq order: find the first one to keep and cut before it.
                age.Transaction = tx;
                age.CommandText = "DELETE FROM history WHERE seq < COALESCE((SELECT seq FROM history WHERE time >= $cut ORDER BY seq LIMIT 1), (SELECT COALESCE(MAX(seq), 0) + 1 FROM history));";
                age.Parameters.AddWithValue("$cut", olderThan.ToUnixTimeMilliseconds());
                age.ExecuteNonQuery();
            }
            if (maxPerTarget > 0)
            {
                var over = new List<string>();
                using (var find = _writer.CreateCommand())
                {
                    find.Transaction = tx;
                    find.CommandText = "SELECT target FROM history GROUP BY target HAVING COUNT(*) > $max;";
                    find.Parameters.AddWithValue("$max", maxPerTarget);
                    using var reader = find.ExecuteReader();
                    while (reader.Read())
                    {
                        over.Add(reader.GetString(0));
                    }
                }
                foreach (var target in over)
                {
                    using var cut = _writer.CreateCommand();
                    cut.Transaction = tx;
                    cut.CommandText = "DELETE FROM history WHERE target = $t AND (time, seq) <= (SELECT time, seq FROM history WHERE target = $t ORDER BY time DESC, seq DESC LIMIT 1 OFFSET $max);";
                    cut.Parameters.AddWithValue("$t", target);
                    cut.Parameters.AddWithValue("$max", maxPerTarget);
                    cut.ExecuteNonQuery();
                }
            }
            using (var orphans = _writer.CreateCommand())
            {
                orphans.Transaction = tx;
                orphans.CommandText = "DELETE FROM pending WHERE NOT EXISTS (SELECT 1 FROM history h WHERE h.seq = pending.seq);";
                orphans.ExecuteNonQuery();
            }
            tx.Commit();
        }
        return Task.CompletedTask;
    }

    private static List<HistoryRecord> ReadAll(SqliteCommand cmd)
    {
        var list = new List<HistoryRecord>();
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            var tags = r.IsDBNull(9) ? null : ParseTags(r.GetString(9));
            list.Add(new HistoryRecord(
                r.GetString(1),
                r.IsDBNull(2) ? null : r.GetString(2),
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(3)),
                r.GetString(4),
                r.GetString(5),
                r.GetString(6),
                r.IsDBNull(7) ? null : r.GetString(7),
                r.GetString(8).Split('\n'),
                tags,
                r.GetInt64(10) != 0) { Seq = r.GetInt64(0) });
        }
        return list;
    }

    private static IReadOnlyList<IrcTag>? ParseTags(string wire)
        => IrcParser.TryParse(Encoding.UTF8.GetBytes("@" + wire + " X"), out var m, out _) && m.Tags.Count > 0 ? m.Tags : null;

    private static void Execute(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    public void Dispose()
    {
        lock (_writeGate)
        {
            _insert?.Dispose();
            _insertPending?.Dispose();
            _writer.Dispose();
        }
        SqliteConnection.ClearPool(new SqliteConnection(_connectionString));
        _keepAlive?.Dispose();
    }
}
