using Microsoft.Extensions.Logging;

namespace Tessera.Authentication;

/// <summary>The ticket store's log messages. Event IDs are stable; none logs a ticket's key or contents, and a logged exception is a copy with keys redacted.</summary>
internal static partial class TicketStoreLog
{
    [LoggerMessage(EventId = 601, EventName = "StoreFailed", Level = LogLevel.Error, Message = "The session store failed to {Operation} an authentication ticket ({Key}).")]
    public static partial void StoreFailed(ILogger logger, string operation, string key, Exception exception);

    [LoggerMessage(EventId = 602, EventName = "UnreadableTicket", Level = LogLevel.Warning, Message = "A stored authentication ticket ({Key}) could not be read; the request is unauthenticated.")]
    public static partial void UnreadableTicket(ILogger logger, string key, Exception exception);

    [LoggerMessage(EventId = 603, EventName = "RenewOfRemovedTicket", Level = LogLevel.Debug, Message = "An authentication ticket ({Key}) was not renewed: it has been removed or has expired, or another request renewed it after this one read it.")]
    public static partial void RenewOfRemovedTicket(ILogger logger, string key);
}
