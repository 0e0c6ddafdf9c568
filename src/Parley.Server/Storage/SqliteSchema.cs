namespace Parley.Server.Storage;

/// <summary>
/// The SQLite schema as a list of migrations: migration N (1-based) takes the file from
/// version N-1 to N, and <c>schema_version</c> records the last applied. Never edit a
/// migration that has shipped; append one.
/// </summary>
public static class SqliteSchema
{
    public static IReadOnlyList<string> Migrations { get; } =
    [
        // 1: accounts. name_folded is the name under the casemapping kept in meta; name is the
        // form it was created with. The password is kept only as SCRAM-SHA-256 credentials
        // (RFC 5802: salt, iteration count, StoredKey, ServerKey). created_at: Unix ms.
        """
        CREATE TABLE meta (
            key   TEXT NOT NULL PRIMARY KEY,
            value TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE accounts (
            name_folded      TEXT    NOT NULL PRIMARY KEY,
            name             TEXT    NOT NULL,
            email            TEXT,
            created_at       INTEGER NOT NULL,
            scram_salt       BLOB    NOT NULL,
            scram_iterations INTEGER NOT NULL,
            scram_stored_key BLOB    NOT NULL,
            scram_server_key BLOB    NOT NULL
        );
        """,

        // 2: client-certificate fingerprints (certfp, lower-case hex SHA-256) for SASL EXTERNAL.
        // Keyed by the account's name as created (stable when names are refolded).
        """
        CREATE TABLE account_certfps (
            certfp  TEXT NOT NULL PRIMARY KEY,
            account TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX account_certfps_by_account ON account_certfps (account);
        """,

        // 3: the account's always-on setting (multiclient): 1 on, 0 off, NULL the server's default.
        """
        ALTER TABLE accounts ADD COLUMN always_on INTEGER;
        """,

        // 4: the account's autoreplay-missed setting (NickServ SET AUTOREPLAY-MISSED): 1 on, 0 off, NULL the default (on).
        """
        ALTER TABLE accounts ADD COLUMN autoreplay_missed INTEGER;
        """,
    ];
}
