using Microsoft.Data.Sqlite;

namespace Tessera;

/// <summary>
/// The store's tables and statements. Version 1: <c>tessera_sessions</c> (the session ID, the
/// express-session JSON document, and the expiry in Unix milliseconds, indexed) and
/// <c>tessera_schema</c> (one row: the version). Version 2 adds <c>tessera_sessions.version</c>,
/// the row's version for conditional writes, which every write of the document changes. Version 3
/// adds <c>tessera_sessions.user_id</c>, the session's user (<see cref="SessionData.UserId"/>), set
/// by every write of the document and indexed for the rows that have one, so a user's sessions are
/// found without a scan. A version is never changed once released; a new one adds an upgrade step from the one before,
/// and a new file is created at version 1 and upgraded step by step.
/// </summary>
internal static class SqliteSchema
{
    /// <summary>The version this code writes and reads.</summary>
    public const int Version = 3;

    public const string Get = "SELECT data, version, expires FROM tessera_sessions WHERE id = $id AND expires > $now";

    // A new row starts at $version (random, so that a session destroyed and written again does
    // not take up a version a reader may still hold); a replaced row counts on from its own.
    public const string Set = """
        INSERT INTO tessera_sessions (id, data, expires, version, user_id) VALUES ($id, $data, $expires, $version, $user)
        ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires = excluded.expires, version = version + 1, user_id = excluded.user_id
        RETURNING version
        """;

    // Compare-and-set: only a live row of the expected version is replaced.
    public const string TrySet = """
        UPDATE tessera_sessions SET data = $data, expires = $expires, version = version + 1, user_id = $user
        WHERE id = $id AND version = $expected AND expires > $now
        RETURNING version
        """;

    public const string Destroy = "DELETE FROM tessera_sessions WHERE id = $id";

    public const string Touch = "UPDATE tessera_sessions SET expires = $expires WHERE id = $id AND expires > $now";

    public const string All = "SELECT id, data, version, expires FROM tessera_sessions WHERE expires > $now";

    // Served by the partial index tessera_sessions_user: never a scan of the table.
    public const string UserSessions = "SELECT id, data, expires FROM tessera_sessions WHERE user_id = $user AND expires > $now";

    public const string Count = "SELECT count(*) FROM tessera_sessions WHERE expires > $now";

    public const string Clear = "DELETE FROM tessera_sessions";

    public const string PurgeBatch = """
        DELETE FROM tessera_sessions WHERE rowid IN
            (SELECT rowid FROM tessera_sessions WHERE expires <= $now ORDER BY expires LIMIT $limit)
        """;

    private const string CreateVersion1 = """
        CREATE TABLE tessera_sessions (
            id TEXT NOT NULL PRIMARY KEY,
            data TEXT NOT NULL,
            expires INTEGER NOT NULL
        );
        CREATE INDEX tessera_sessions_expires ON tessera_sessions (expires);
        CREATE TABLE tessera_schema (version INTEGER NOT NULL);
        INSERT INTO tessera_schema (version) VALUES (1);
        """;

    // Rows written before conditional writes existed start at version 1.
    private const string UpgradeToVersion2 = """
        ALTER TABLE tessera_sessions ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
        UPDATE tessera_schema SET version = 2;
        """;

    // The user of rows written before version 3 is read from their documents' _tessera metadata
    // (a string userId only, as the store reads it); a row whose data is not JSON gets none.
    private const string UpgradeToVersion3 = """
        ALTER TABLE tessera_sessions ADD COLUMN user_id TEXT;
        UPDATE tessera_sessions SET user_id =
            CASE WHEN json_valid(data) THEN
                CASE WHEN json_type(data, '$._tessera.userId') = 'text' THEN json_extract(data, '$._tessera.userId') END
            END;
        CREATE INDEX tessera_sessions_user ON tessera_sessions (user_id) WHERE user_id IS NOT NULL;
        UPDATE tessera_schema SET version = 3;
        """;

    /// <summary>
    /// Switches the file to WAL and creates the schema if it has none, or upgrades an older one
    /// to <see cref="Version"/>, in one write transaction so that processes opening the file
    /// together agree. Synchronous: it runs on the store's writer thread.
    /// </summary>
    /// <returns>The version the file had: 0 when the schema was created, <see cref="Version"/> when nothing changed.</returns>
    /// <exception cref="InvalidOperationException">The file has a newer schema than this code knows.</exception>
    public static long Ensure(SqliteConnection connection)
    {
        // The journal mode is kept in the file; it cannot change inside a transaction.
        Execute(connection, null, "PRAGMA journal_mode = WAL");

        using var transaction = connection.BeginTransaction();
        var version = ReadVersion(connection, transaction);
        if (version > Version)
        {
            throw new InvalidOperationException(
                $"The session database '{connection.DataSource}' has schema version {version}, written by a newer "
                + $"Tessera.Sqlite; this one knows version {Version} and older. Upgrade Tessera.Sqlite, or use another file.");
        }

        if (version < 1)
        {
            Execute(connection, transaction, CreateVersion1);
        }

        if (version < 2)
        {
            Execute(connection, transaction, UpgradeToVersion2);
        }

        if (version < 3)
        {
            Execute(connection, transaction, UpgradeToVersion3);
        }

        transaction.Commit();
        return version;
    }

    /// <summary>The schema version of the file, 0 when it has no Tessera schema.</summary>
    public static long ReadVersion(SqliteConnection connection, SqliteTransaction? transaction)
    {
        using var exists = connection.CreateCommand();
        exists.Transaction = transaction;
        exists.CommandText = "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'tessera_schema'";
        if ((long)exists.ExecuteScalar()! == 0)
        {
            return 0;
        }

        using var read = connection.CreateCommand();
        read.Transaction = transaction;
        read.CommandText = "SELECT max(version) FROM tessera_schema";
        return read.ExecuteScalar() is long version ? version : 0;
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
