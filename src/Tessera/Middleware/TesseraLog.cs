using Microsoft.Extensions.Logging;

namespace Tessera.Middleware;

/// <summary>The middleware's log messages. Event IDs are stable; none logs a secret or a cookie value.</summary>
internal static partial class TesseraLog
{
    [LoggerMessage(EventId = 1, EventName = "UnsignedCookie", Level = LogLevel.Debug, Message = "The session cookie is not signed; a new session is created.")]
    public static partial void UnsignedCookie(ILogger logger);

    [LoggerMessage(EventId = 2, EventName = "BadSignature", Level = LogLevel.Warning, Message = "The session cookie's signature matches no secret; a new session is created.")]
    public static partial void BadSignature(ILogger logger);

    [LoggerMessage(EventId = 3, EventName = "SessionNotFound", Level = LogLevel.Debug, Message = "The session in the cookie is not in the store (unknown or expired); a new session is created.")]
    public static partial void SessionNotFound(ILogger logger);

    [LoggerMessage(EventId = 4, EventName = "StoreNotReady", Level = LogLevel.Warning, Message = "The session store is not ready; the request runs without a session.")]
    public static partial void StoreNotReady(ILogger logger);

    [LoggerMessage(EventId = 5, EventName = "StoreLoadFailed", Level = LogLevel.Error, Message = "Loading the session from the store failed.")]
    public static partial void StoreLoadFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 6, EventName = "StoreCommitFailed", Level = LogLevel.Error, Message = "Writing the session to the store at the end of the request failed ({Operation}).")]
    public static partial void StoreCommitFailed(ILogger logger, string operation, Exception exception);

    [LoggerMessage(EventId = 7, EventName = "SessionRegenerated", Level = LogLevel.Debug, Message = "The session was regenerated under a new ID.")]
    public static partial void SessionRegenerated(ILogger logger);

    [LoggerMessage(EventId = 8, EventName = "SessionRenewed", Level = LogLevel.Debug, Message = "The session's ID was renewed; its data was kept.")]
    public static partial void SessionRenewed(ILogger logger);

    [LoggerMessage(EventId = 9, EventName = "SetCookieFailed", Level = LogLevel.Error, Message = "The session cookie could not be written.")]
    public static partial void SetCookieFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 10, EventName = "PathMismatch", Level = LogLevel.Trace, Message = "The request path is outside the session cookie's path; the request runs without a session.")]
    public static partial void PathMismatch(ILogger logger);
}
