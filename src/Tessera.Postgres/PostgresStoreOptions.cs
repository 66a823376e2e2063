namespace Tessera;

/// <summary>
/// Options of the <see cref="PostgresStore"/>: connect-pg-simple's options under .NET names
/// (<c>tableName</c>, <c>schemaName</c>, <c>ttl</c>, <c>createTableIfMissing</c>,
/// <c>pruneSessionInterval</c>, <c>disableTouch</c>).
/// </summary>
public sealed class PostgresStoreOptions
{
    /// <summary>
    /// The Npgsql connection string, for example
    /// <c>Host=db;Database=app;Username=app;Password=…</c>. When it is not set, the store uses the
    /// <c>NpgsqlDataSource</c> registered in the application's services.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>The table's name (connect-pg-simple's <c>tableName</c>).</summary>
    /// <value>Default <c>session</c>.</value>
    public string TableName { get; set; } = "session";

    /// <summary>
    /// The table's schema (connect-pg-simple's <c>schemaName</c>); when null, the connection's
    /// <c>search_path</c> decides, as in connect-pg-simple.
    /// </summary>
    /// <value>Default null.</value>
    public string? SchemaName { get; set; }

    /// <summary>
    /// How long a session whose cookie has no expiry (a browser-session cookie) is kept after its
    /// last write or touch (connect-pg-simple's <c>ttl</c>).
    /// </summary>
    /// <value>Default one day, as connect-pg-simple.</value>
    public TimeSpan DefaultLifetime { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// Whether the store creates the table, its expiry index and its user index when they are
    /// missing (connect-pg-simple's <c>createTableIfMissing</c>). When <see langword="false"/>, the
    /// table must exist when the application starts.
    /// </summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool CreateTableIfMissing { get; set; } = true;

    /// <summary>
    /// How often expired sessions are deleted in the background (connect-pg-simple's
    /// <c>pruneSessionInterval</c>); <see langword="null"/> turns the purge off, for an application
    /// where another process (a Node.js app on connect-pg-simple, a scheduled job) purges.
    /// </summary>
    /// <value>Default 15 minutes, as connect-pg-simple.</value>
    public TimeSpan? PurgeInterval { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Whether <see cref="PostgresStore.TouchAsync"/> does nothing (connect-pg-simple's
    /// <c>disableTouch</c>): an unmodified session's expiry then moves only when it is saved.
    /// </summary>
    /// <value>Default <see langword="false"/>.</value>
    public bool DisableTouch { get; set; }
}
