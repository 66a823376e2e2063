using Microsoft.Extensions.Logging;

namespace Tessera;

/// <summary>The log message of <see cref="StoreDocument"/>, logged with the store's logger. It names no key.</summary>
internal static partial class StoreDocumentLog
{
    [LoggerMessage(EventId = 30, EventName = "UnreadableSession", Level = LogLevel.Warning, Message = "A stored session is not an express-session document; it is treated as missing.")]
    public static partial void UnreadableSession(ILogger logger, Exception exception);
}
