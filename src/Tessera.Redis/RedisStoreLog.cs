using Microsoft.Extensions.Logging;

namespace Tessera;

/// <summary>The Redis store's log messages. Event IDs are stable; none logs a session ID or session data, and a logged exception is a copy with session IDs and keys redacted (SessionIdRedaction).</summary>
internal static partial class RedisStoreLog
{
    [LoggerMessage(EventId = 102, EventName = "ExpiredOnWrite", Level = LogLevel.Debug, Message = "The session has already expired; it was deleted instead of written.")]
    public static partial void ExpiredOnWrite(ILogger logger);

    [LoggerMessage(EventId = 103, EventName = "Connecting", Level = LogLevel.Debug, Message = "Connecting to Redis at {Endpoint}.")]
    public static partial void Connecting(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 104, EventName = "ConnectFailed", Level = LogLevel.Error, Message = "Connecting to Redis at {Endpoint} failed; the next call tries again.")]
    public static partial void ConnectFailed(ILogger logger, string endpoint, Exception exception);

    [LoggerMessage(EventId = 105, EventName = "IndexHealed", Level = LogLevel.Debug, Message = "Removed {Count} entries whose session is gone or another user's from a user's set of sessions.")]
    public static partial void IndexHealed(ILogger logger, int count);

    [LoggerMessage(EventId = 106, EventName = "UnreachableAtStartup", Level = LogLevel.Warning, Message = "RedisStore could not reach Redis at {Endpoint} when the application started. It keeps trying in the background; until it connects, the health check (AddTesseraStoreCheck) reports the store unhealthy and requests that need the store fail as TesseraOptions.StoreFailure says.")]
    public static partial void UnreachableAtStartup(ILogger logger, string endpoint, Exception? exception);
}
