using Microsoft.Data.Sqlite;

namespace Tessera;

/// <summary>
/// The store's tables and statements. Version 1: <c>tessera_sessions</c> (the session ID, the
/// express-session JSON document, and the expiry in Unix milliseconds, indexed) and
/// <c>tessera_schema</c> (one row: the version). A version is never changed once released; a
/// new one adds an upgrade step from the one before.
/// </summary>
internal static class SqliteSchema
{
    /// <summary>The version this code writes and reads.</summary>
    public const int Version = 1;

    public const string Get = "SELECT data FROM tessera_sessions WHERE id = $id AND expires > $now";

    public const string Set = """
        INSERT INTO tessera_sessions (id, data, expires) VALUES ($id, $data, $expires)
        ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires = excluded.expires
        """;

    public const string Destroy = "DELETE FROM tessera_sessions WHERE id = $id";

    public const string Touch = "UPDATE tessera_sessions SET expires = $expires WHERE id = $id AND expires > $now";

    public const string All = "SELECT id, data FROM tessera_sessions WHERE expires > $now";

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

    /// <summary>
    /// Switches the file to WAL and creates the schema if it has none, in one write transaction
    /// so that processes opening a new file together agree.
    /// </summary>
    /// <returns>Whether the schema was created.</returns>
    /// <exception cref="InvalidOperationException">The file has a newer schema than this code knows.</exception>
    public static async Task<bool> EnsureAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        // The journal mode is kept in the file; it cannot change inside a transaction.
        await ExecuteAsync(connection, null, "PRAGMA journal_mode = WAL", cancellationToken);

        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        var version = await ReadVersionAsync(connection, transaction, cancellationToken);
        if (version > Version)
        {
            throw new InvalidOperationException(
                $"The session database '{connection.DataSource}' has schema version {version}, written by a newer "
                + $"Tessera.Sqlite; this one knows version {Version} and older. Upgrade Tessera.Sqlite, or use another file.");
        }

        var created = false;
        if (version == 0)
        {
            await ExecuteAsync(connection, transaction, CreateVersion1, cancellationToken);
            created = true;
        }

        await transaction.CommitAsync(cancellationToken);
        return created;
    }

    /// <summary>The schema version of the file, 0 when it has no Tessera schema.</summary>
    public static async Task<long> ReadVersionAsync(SqliteConnection connection, SqliteTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var exists = connection.CreateCommand();
        exists.Transaction = transaction;
        exists.CommandText = "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'tessera_schema'";
        if ((long)(await exists.ExecuteScalarAsync(cancellationToken))! == 0)
        {
            return 0;
        }

        await using var read = connection.CreateCommand();
        read.Transaction = transaction;
        read.CommandText = "SELECT max(version) FROM tessera_schema";
        return await read.ExecuteScalarAsync(cancellationToken) is long version ? version : 0;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, SqliteTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
