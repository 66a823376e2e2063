namespace Tessera;

/// <summary>
/// A store that can read a session and re-arm its expiry in one call (Redis's <c>GETEX</c>), so a
/// request that only reads its session costs one round trip instead of a read and a touch.
/// </summary>
/// <remarks>
/// <para>
/// The runtime calls <see cref="GetAndTouchAsync"/> in place of <see cref="ISessionStore.GetAsync"/>
/// when loading a session for a request that will re-arm the expiry at its end: when
/// <see cref="TesseraOptions.TouchAfter"/> is not set (express-session touches on every request)
/// and the cookie has a lifetime (<see cref="SessionCookieOptions.MaxAge"/>), but not with
/// <see cref="TesseraOptions.IdleTimeout"/>, which tells an idle session by the expiry the store
/// had before the request. At the end of the request, a touch whose new expiry
/// is, within a second, the one the load already set is not sent again, unless the session has a
/// user (<see cref="SessionData.UserId"/>), so that a store keeping a per-user index on touch
/// keeps it; any other outcome (a write, a destroy, a different lifetime in the stored cookie, a
/// cookie whose lifetime or attributes the request changed, an absolute-timeout deadline) is sent
/// as usual and has the last word.
/// </para>
/// <para>
/// The early touch never resurrects: a missing or expired session is not created. Its one
/// visible difference is for a request that fails before its end: the session it read stays
/// re-armed, as if the request had completed without changing it.
/// </para>
/// </remarks>
public interface ITouchOnReadSessionStore : ISessionStore
{
    /// <summary>
    /// Gets a session and, only when there is one, moves its expiry to <paramref name="expires"/>
    /// as <see cref="ISessionStore.TouchAsync"/> would (the stored document is not rewritten).
    /// The session returned is the one stored before the touch; its
    /// <see cref="SessionData.StoreExpires"/> is the new expiry when the store keeps expiries apart
    /// from the document. A store that does not touch (its touch is switched off) only reads.
    /// </summary>
    /// <param name="key">The store key of the session (see <see cref="ISessionStore"/>).</param>
    /// <param name="expires">The new expiry, in the future.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The session, or <see langword="null"/> when it does not exist or has expired (nothing is then written).</returns>
    ValueTask<SessionData?> GetAndTouchAsync(string key, DateTimeOffset expires, CancellationToken cancellationToken = default);
}
