namespace Tessera;

/// <summary>
/// Where sessions live: express-session's store contract. <see cref="GetAsync"/>,
/// <see cref="SetAsync"/> and <see cref="DestroyAsync"/> are required; <see cref="TouchAsync"/>
/// is recommended (the default does nothing); listing, counting and clearing are the optional
/// <see cref="IEnumerableSessionStore"/>.
/// </summary>
/// <remarks>
/// Every method is asynchronous and honours its <see cref="CancellationToken"/> (the runtime
/// cancels it after <see cref="TesseraOptions.StoreTimeout"/>), and never blocks its caller: a
/// store over a synchronous client runs its I/O off the calling thread. A store throws
/// only for a failure of the store itself; a missing, expired or unreadable session is
/// <see langword="null"/> from <see cref="GetAsync"/>, and destroying a missing session is not an error.
/// </remarks>
public interface ISessionStore
{
    /// <summary>
    /// Whether the store can serve requests now. While it is <see langword="false"/>, requests
    /// run without a session, as express-session does while its store is disconnected.
    /// </summary>
    bool IsReady => true;

    /// <summary>Gets a session.</summary>
    /// <param name="sessionId">The session ID.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The session, or <see langword="null"/> when it does not exist or has expired.</returns>
    ValueTask<SessionData?> GetAsync(string sessionId, CancellationToken cancellationToken = default);

    /// <summary>Creates or replaces a session. The store keeps it until <see cref="SessionData.Expires"/>.</summary>
    /// <param name="sessionId">The session ID.</param>
    /// <param name="data">The session; the store must not keep a reference to it.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the write is durable as far as the store promises.</returns>
    ValueTask SetAsync(string sessionId, SessionData data, CancellationToken cancellationToken = default);

    /// <summary>Destroys a session; a missing one is not an error.</summary>
    /// <param name="sessionId">The session ID.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the session is gone.</returns>
    ValueTask DestroyAsync(string sessionId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records activity on an unmodified session: the store takes the new expiry of
    /// <paramref name="data"/>'s cookie without rewriting its values. Does nothing for a missing session.
    /// A store whose touch moves only the expiry, leaving the stored document's cookie as it was,
    /// reports that expiry in <see cref="SessionData.StoreExpires"/> when it reads the session.
    /// </summary>
    /// <param name="sessionId">The session ID.</param>
    /// <param name="data">The session, whose cookie carries the new expiry.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the expiry is recorded.</returns>
    ValueTask TouchAsync(string sessionId, SessionData data, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    /// <summary>
    /// Whether <see cref="TrySetAsync"/> is a real conditional write (compare-and-set). When it
    /// is, parallel requests to one session keep each other's changes and a destroyed session
    /// is never written back; when it is not, the last write wins, as in express-session.
    /// </summary>
    bool SupportsConditionalWrites => false;

    /// <summary>
    /// Writes the session only if the stored session is still the version the caller read:
    /// the one whose <see cref="SessionData.StoreVersion"/> is <paramref name="expectedVersion"/>.
    /// On success the store sets <paramref name="data"/>'s <see cref="SessionData.StoreVersion"/>
    /// to the version it wrote. A missing or expired session never matches, so a destroyed session
    /// cannot be brought back. The default, for stores without conditional writes, writes
    /// unconditionally with <see cref="SetAsync"/>.
    /// </summary>
    /// <param name="sessionId">The session ID.</param>
    /// <param name="data">The session to write.</param>
    /// <param name="expectedVersion">The version the caller read (never null).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><see langword="true"/> when written; <see langword="false"/> when the stored session had changed or was gone.</returns>
    async ValueTask<bool> TrySetAsync(string sessionId, SessionData data, object expectedVersion, CancellationToken cancellationToken = default)
    {
        await SetAsync(sessionId, data, cancellationToken);
        return true;
    }
}
