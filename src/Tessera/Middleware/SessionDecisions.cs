namespace Tessera.Middleware;

/// <summary>
/// express-session's end-of-request decisions, as pure functions of plain facts. "Existing"
/// means the request's cookie carried this session's current ID (express's <c>cookieId === sid</c>);
/// a new, regenerated or renewed session is not existing.
/// </summary>
internal static class SessionDecisions
{
    /// <summary>Whether the session is written to the store at the end of the request.</summary>
    /// <param name="existing">The cookie carried the session's current ID.</param>
    /// <param name="saveUninitialized">The <c>SaveUninitialized</c> option.</param>
    /// <param name="savedDuringRequest">The session was saved explicitly during the request.</param>
    /// <param name="modified">The ID or the values differ from what the request started with.</param>
    /// <param name="saved">The session is unchanged since its last save in this request (or, with <c>Resave</c> off, since it was loaded).</param>
    public static bool ShouldSave(bool existing, bool saveUninitialized, bool savedDuringRequest, bool modified, bool saved) =>
        !saveUninitialized && !savedDuringRequest && !existing ? modified : !saved;

    /// <summary>Whether the store's touch records activity instead of a save.</summary>
    public static bool ShouldTouch(bool existing, bool shouldSave) => existing && !shouldSave;

    /// <summary>Whether the response carries the session cookie.</summary>
    /// <param name="existing">The cookie carried the session's current ID.</param>
    /// <param name="saveUninitialized">The <c>SaveUninitialized</c> option.</param>
    /// <param name="rolling">The <c>Rolling</c> option.</param>
    /// <param name="modified">The ID or the values changed during the request.</param>
    /// <param name="hasExpiry">The cookie has an expiry (it is not a browser-session cookie).</param>
    /// <param name="slidingExpiry">
    /// <see cref="TesseraOptions.IdleTimeout"/> is set and this request re-armed the session's
    /// expiry (it is saved or touched, and <see cref="TesseraOptions.TouchAfter"/> let it through):
    /// the browser's copy of the expiry slides with the stored one, so a session used at least once
    /// per idle timeout is never dropped by the browser. Without <c>IdleTimeout</c> it is false,
    /// and the rule is express-session's.
    /// </param>
    public static bool ShouldSetCookie(bool existing, bool saveUninitialized, bool rolling, bool modified, bool hasExpiry, bool slidingExpiry) =>
        existing ? rolling || slidingExpiry || (hasExpiry && modified) : saveUninitialized || modified;

    /// <summary>Whether the stored session is destroyed because the application detached it.</summary>
    /// <param name="hasSessionId">The request has a session ID.</param>
    /// <param name="detached">The request's session was detached (or destroyed).</param>
    /// <param name="unset">The <c>Unset</c> option.</param>
    public static bool ShouldDestroy(bool hasSessionId, bool detached, UnsetBehavior unset) =>
        hasSessionId && detached && unset == UnsetBehavior.Destroy;
}
