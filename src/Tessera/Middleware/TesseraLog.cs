using Microsoft.Extensions.Logging;

namespace Tessera.Middleware;

/// <summary>
/// The middleware's log messages. Event IDs are stable; none logs a secret, a cookie value or a
/// session ID (a logged exception is a redacted copy: <see cref="Diagnostics.SessionIdRedaction"/>).
/// A rejected cookie is logged at Debug: anyone can send one, so it is no cause for a warning.
/// </summary>
internal static partial class TesseraLog
{
    [LoggerMessage(EventId = 1, EventName = "UnsignedCookie", Level = LogLevel.Debug, Message = "The session cookie is not signed; a new session is created.")]
    public static partial void UnsignedCookie(ILogger logger);

    [LoggerMessage(EventId = 2, EventName = "BadSignature", Level = LogLevel.Debug, Message = "The session cookie's signature matches no secret; a new session is created.")]
    public static partial void BadSignature(ILogger logger);

    [LoggerMessage(EventId = 3, EventName = "SessionNotFound", Level = LogLevel.Debug, Message = "The session in the cookie is not in the store (unknown or expired); a new session is created.")]
    public static partial void SessionNotFound(ILogger logger);

    [LoggerMessage(EventId = 4, EventName = "StoreNotReady", Level = LogLevel.Warning, Message = "The session store is not ready; the request runs without a session.")]
    public static partial void StoreNotReady(ILogger logger);

    [LoggerMessage(EventId = 7, EventName = "SessionRegenerated", Level = LogLevel.Debug, Message = "The session was regenerated under a new ID.")]
    public static partial void SessionRegenerated(ILogger logger);

    [LoggerMessage(EventId = 8, EventName = "SessionRenewed", Level = LogLevel.Debug, Message = "The session's ID was renewed; its data was kept.")]
    public static partial void SessionRenewed(ILogger logger);

    [LoggerMessage(EventId = 9, EventName = "SetCookieFailed", Level = LogLevel.Error, Message = "The session cookie could not be written.")]
    public static partial void SetCookieFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 10, EventName = "PathMismatch", Level = LogLevel.Trace, Message = "The request path is outside the session cookie's path; the request runs without a session.")]
    public static partial void PathMismatch(ILogger logger);

    [LoggerMessage(EventId = 5, EventName = "StoreFailed", Level = LogLevel.Error, Message = "The session store failed during {Operation} (session {Session}).")]
    public static partial void StoreFailed(ILogger logger, string operation, string session, Exception exception);

    [LoggerMessage(EventId = 6, EventName = "WriteConflict", Level = LogLevel.Debug, Message = "The stored session changed since this request read it (attempt {Attempt}); re-applying this request's changes to the latest version.")]
    public static partial void WriteConflict(ILogger logger, int attempt);

    [LoggerMessage(EventId = 11, EventName = "CommitDropped", Level = LogLevel.Warning, Message = "The session was destroyed or renewed away by another request; this request's changes were dropped and it was not written back.")]
    public static partial void CommitDropped(ILogger logger);

    [LoggerMessage(EventId = 12, EventName = "SessionPastAbsoluteTimeout", Level = LogLevel.Debug, Message = "The session passed its absolute timeout; it was destroyed and a new session is created.")]
    public static partial void SessionPastAbsoluteTimeout(ILogger logger);

    [LoggerMessage(EventId = 13, EventName = "RejectedId", Level = LogLevel.Debug, Message = "The session cookie is signed but its ID has a format the ID generator cannot produce; a new session is created.")]
    public static partial void RejectedId(ILogger logger);

    [LoggerMessage(EventId = 14, EventName = "EventHandlerFailed", Level = LogLevel.Error, Message = "A session lifecycle callback (OnCreated, OnRenewed or OnDestroyed) threw; the request went on.")]
    public static partial void EventHandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 15, EventName = "MalformedCookie", Level = LogLevel.Debug, Message = "The session cookie does not have the shape of a signed session ID; it was rejected without checking a signature and a new session is created.")]
    public static partial void MalformedCookie(ILogger logger);

    [LoggerMessage(EventId = 16, EventName = "NoSessionId", Level = LogLevel.Error, Message = "TesseraOptions.GenerateId returned a null or empty session ID: this request's session works but is not saved and no session cookie is sent.")]
    public static partial void NoSessionId(ILogger logger);

    [LoggerMessage(EventId = 17, EventName = "SecretsRotated", Level = LogLevel.Information, Message = "The session secrets changed in configuration: {Count} secret(s) now verify cookies, the first signs new ones.")]
    public static partial void SecretsRotated(ILogger logger, int count);

    [LoggerMessage(EventId = 18, EventName = "SecretsReloadRejected", Level = LogLevel.Error, Message = "The session options reloaded from configuration are invalid, so the secrets in force are kept: {Failures}")]
    public static partial void SecretsReloadRejected(ILogger logger, string failures);
}
