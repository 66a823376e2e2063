using Microsoft.Extensions.Logging;

namespace Tessera;

/// <summary>The distributed-cache store's log messages. Event IDs are stable; none logs a session ID or session data, and a logged exception is a copy with session IDs and keys redacted (SessionIdRedaction).</summary>
internal static partial class DistributedCacheStoreLog
{
    [LoggerMessage(
        EventId = 301,
        EventName = "DegradedGuarantees",
        Level = LogLevel.Warning,
        Message = "Sessions are stored in an IDistributedCache ({CacheType}), which can neither compare-and-set nor find sessions by user. "
            + "Parallel requests to one session overwrite each other's changes (the last write wins, as in express-session), "
            + "a request in flight can write back a session destroyed meanwhile, and SessionIndex (listing a user's sessions, "
            + "log out everywhere) is unavailable. MemoryStore, SqliteStore and RedisStore keep these guarantees.")]
    public static partial void DegradedGuarantees(ILogger logger, string cacheType);

    [LoggerMessage(EventId = 303, EventName = "ExpiredOnWrite", Level = LogLevel.Debug, Message = "The session has already expired; it was removed instead of written.")]
    public static partial void ExpiredOnWrite(ILogger logger);

    [LoggerMessage(
        EventId = 304,
        EventName = "AbandonedCallFailed",
        Level = LogLevel.Debug,
        Message = "A cache call the store had stopped waiting for, its token having been cancelled, failed when it ended.")]
    public static partial void AbandonedCallFailed(ILogger logger, Exception exception);
}
