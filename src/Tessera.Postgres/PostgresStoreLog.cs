using Microsoft.Extensions.Logging;

namespace Tessera;

/// <summary>The PostgreSQL store's log messages. Event IDs are stable; none logs a session ID or session data, and a logged exception is a copy with session IDs and keys redacted (SessionIdRedaction).</summary>
internal static partial class PostgresStoreLog
{
    [LoggerMessage(EventId = 502, EventName = "TableReady", Level = LogLevel.Information, Message = "The session table {Table} is in place in {Database}.")]
    public static partial void TableReady(ILogger logger, string table, string database);

    [LoggerMessage(EventId = 503, EventName = "Purged", Level = LogLevel.Debug, Message = "Deleted {Count} expired sessions.")]
    public static partial void Purged(ILogger logger, long count);

    [LoggerMessage(EventId = 504, EventName = "PurgeFailed", Level = LogLevel.Error, Message = "Deleting expired sessions failed; the next purge tries again.")]
    public static partial void PurgeFailed(ILogger logger, Exception exception);
}
