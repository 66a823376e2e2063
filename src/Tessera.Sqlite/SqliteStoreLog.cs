using Microsoft.Extensions.Logging;

namespace Tessera;

/// <summary>The SQLite store's log messages. Event IDs are stable; none logs a session ID or session data, and a logged exception is a copy with session IDs and keys redacted (SessionIdRedaction).</summary>
internal static partial class SqliteStoreLog
{
    [LoggerMessage(EventId = 202, EventName = "SchemaCreated", Level = LogLevel.Information, Message = "Created the session schema (version {Version}) in {DataSource}.")]
    public static partial void SchemaCreated(ILogger logger, int version, string dataSource);

    [LoggerMessage(EventId = 203, EventName = "Purged", Level = LogLevel.Debug, Message = "Deleted {Count} expired sessions.")]
    public static partial void Purged(ILogger logger, long count);

    [LoggerMessage(EventId = 204, EventName = "PurgeFailed", Level = LogLevel.Error, Message = "Deleting expired sessions failed; the next purge tries again.")]
    public static partial void PurgeFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 205, EventName = "SchemaUpgraded", Level = LogLevel.Information, Message = "Upgraded the session schema from version {OldVersion} to version {Version} in {DataSource}.")]
    public static partial void SchemaUpgraded(ILogger logger, long oldVersion, int version, string dataSource);
}
