using Microsoft.Extensions.Logging;

namespace Tessera;

/// <summary>The memory store's log messages. Event IDs are stable; none logs a session ID or session data.</summary>
internal static partial class MemoryStoreLog
{
    [LoggerMessage(EventId = 401, EventName = "SessionsEvicted", Level = LogLevel.Warning, Message = "The memory store is full ({MaxSessions} sessions) and evicted {Count} live sessions since its previous warning; a client creating sessions without keeping their cookies causes this. Raise MemoryStoreOptions.MaxSessions or use a durable store.")]
    public static partial void SessionsEvicted(ILogger logger, int maxSessions, long count);
}
