namespace Parley.Cluster.Storage;

/// <summary>
/// Parley's tables in the cluster's PostgreSQL database, as a list of migrations (migration N,
/// 1-based, takes the schema from version N-1 to N; <c>parley_schema_version</c> records the
/// last applied). The same data as the SQLite files (<c>parley.db</c>, <c>history.db</c>), with
/// the same meaning per column. Never edit a migration that has shipped; append one. Text that
/// is compared or sorted uses <c>COLLATE "C"</c> (byte order, as SQLite), whatever the
/// database's locale.
/// </summary>
public static class PostgresSchema
{
    public static IReadOnlyList<string> Migrations { get; } =
    [
        // 1: accounts (see SqliteSchema 1 and 2) and history (see SqliteHistoryStore): seq is
        // the order of arrival over every node; time is Unix ms; kind 0 for PRIVMSG/NOTICE,
        // 1 for events; params joined with LF; tags in wire form.
        """
        CREATE TABLE parley_meta (
            key   text NOT NULL PRIMARY KEY,
            value text NOT NULL
        );
        CREATE TABLE accounts (
            name_folded      text COLLATE "C" NOT NULL PRIMARY KEY,
            name             text    NOT NULL,
            email            text,
            created_at       bigint  NOT NULL,
            scram_salt       bytea   NOT NULL,
            scram_iterations integer NOT NULL,
            scram_stored_key bytea   NOT NULL,
            scram_server_key bytea   NOT NULL
        );
        CREATE TABLE account_certfps (
            certfp  text COLLATE "C" NOT NULL PRIMARY KEY,
            account text NOT NULL
        );
        CREATE INDEX account_certfps_by_account ON account_certfps (account);
        CREATE TABLE history (
            seq           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            target        text COLLATE "C" NOT NULL,
            correspondent text,
            time          bigint   NOT NULL,
            msgid         text     NOT NULL,
            kind          smallint NOT NULL,
            command       text     NOT NULL,
            source        text     NOT NULL,
            account       text,
            params        text     NOT NULL,
            tags          text,
            bot           boolean  NOT NULL
        );
        CREATE INDEX history_target_time ON history (target, time, seq);
        CREATE INDEX history_msgid ON history (msgid);
        CREATE INDEX history_time ON history (time);
        CREATE TABLE history_pending (
            account text   NOT NULL,
            seq     bigint NOT NULL,
            PRIMARY KEY (account, seq)
        );
        CREATE TABLE read_markers (
            owner  text   NOT NULL,
            target text   NOT NULL,
            time   bigint NOT NULL,
            PRIMARY KEY (owner, target)
        );
        """,

        // 2: the account's always-on setting (multiclient; see SqliteSchema 3), NULL the server's default.
        """
        ALTER TABLE accounts ADD COLUMN always_on boolean;
        """,

        // 3: the account's autoreplay-missed setting (see SqliteSchema 4), NULL the default (on).
        """
        ALTER TABLE accounts ADD COLUMN autoreplay_missed boolean;
        """,
    ];
}
