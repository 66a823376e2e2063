namespace Tessera;

/// <summary>Options of the <see cref="SqliteStore"/>.</summary>
public sealed class SqliteStoreOptions
{
    /// <summary>
    /// The path of the database file, created with its folder's permissions if missing. Set this
    /// or <see cref="ConnectionString"/>.
    /// </summary>
    public string? Path { get; set; }

    /// <summary>
    /// A Microsoft.Data.Sqlite connection string, for settings a path cannot carry (for example
    /// <c>Data Source=sessions.db;Mode=ReadWriteCreate;Password=…</c> with a SQLCipher build).
    /// Set this or <see cref="Path"/>.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// How long a session whose cookie has no expiry (a browser-session cookie) is kept after its
    /// last write or touch.
    /// </summary>
    /// <value>Default one day, as the other stores.</value>
    public TimeSpan DefaultLifetime { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How often expired sessions are deleted in the background.</summary>
    /// <value>Default five minutes.</value>
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The most expired sessions one purge statement deletes; a purge runs statements until none
    /// is left, so writers wait at most for one batch.
    /// </summary>
    /// <value>Default 500.</value>
    public int PurgeBatchSize { get; set; } = 500;

    /// <summary>
    /// How long the store's writer thread waits for another connection's write lock (SQLite's
    /// <c>busy_timeout</c>) before the write fails with <c>SQLITE_BUSY</c>. The caller's thread
    /// never waits for it, and a caller whose token is cancelled stops waiting at once.
    /// </summary>
    /// <value>Default five seconds.</value>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
