namespace Tessera;

/// <summary>
/// Where sessions live: express-session's store contract, over store <em>keys</em>.
/// <see cref="GetAsync"/>, <see cref="SetAsync"/> and <see cref="DestroyAsync"/> are required;
/// <see cref="TouchAsync"/> is recommended (the default does nothing). Each optional capability
/// is an interface of its own that the runtime detects: <see cref="IConditionalSessionStore"/>
/// (compare-and-set writes), <see cref="IEnumerableSessionStore"/> (listing, counting, clearing)
/// and <see cref="IUserSessionStore"/> (the sessions of a user).
/// </summary>
/// <remarks>
/// <para>
/// A key is what the runtime hands the store for a session: the session ID, or its SHA-256 hash
/// (lower-case hex) with <see cref="TesseraOptions.HashIdsInStore"/>. A store treats it as an
/// opaque string and keeps the session under it (prefixed as its options say); it never derives
/// anything from it, and never logs it or puts it into an exception message: it is a credential.
/// </para>
/// <para>
/// Every method is asynchronous and honours its <see cref="CancellationToken"/> (the runtime
/// cancels it after <see cref="TesseraOptions.StoreTimeout"/>), and never blocks its caller: a
/// store over a synchronous client runs its I/O off the calling thread. A store throws only for a
/// failure of the store itself; a missing, expired or unreadable session is <see langword="null"/>
/// from <see cref="GetAsync"/> (<see cref="StoreDocument.Read"/> parses and logs an unreadable
/// document), and destroying a missing session is not an error.
/// </para>
/// <para>
/// A store never changes the <see cref="SessionData"/> it is given and keeps no reference to it:
/// a write returns the version it wrote, and the caller records it.
/// </para>
/// </remarks>
public interface ISessionStore
{
    /// <summary>
    /// Whether the store can serve requests now. While it is <see langword="false"/>, requests
    /// run without a session, as express-session does while its store is disconnected.
    /// </summary>
    bool IsReady => true;

    /// <summary>
    /// Whether every call of this store ends as soon as its token is cancelled, even while the
    /// store's backend does not answer (a store that stops waiting with <see cref="Task.WaitAsync(CancellationToken)"/>
    /// does). The runtime then awaits the store's calls as they are. While it is
    /// <see langword="false"/> (the default), the runtime also stops waiting on its own once
    /// <see cref="TesseraOptions.StoreTimeout"/> has passed, which costs one more wait per call.
    /// </summary>
    /// <remarks>
    /// A store says <see langword="true"/> only when it holds for every call in every state: a call
    /// whose token is cancelled that went on waiting would hold its request past the store timeout.
    /// </remarks>
    bool HonorsCancellation => false;

    /// <summary>
    /// Gets a session: a new <see cref="SessionData"/> the caller owns. A store with versions sets
    /// its <see cref="SessionData.StoreVersion"/>; a store that keeps the expiry apart from the
    /// document sets its <see cref="SessionData.StoreExpires"/>.
    /// </summary>
    /// <param name="key">The store key of the session.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The session, or <see langword="null"/> when it does not exist, has expired or cannot be read.</returns>
    ValueTask<SessionData?> GetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Creates or replaces a session. The store keeps it until <see cref="SessionData.Expires"/>
    /// (a default lifetime of the store's when the cookie has no expiry); a session whose expiry
    /// has passed is removed instead of written.
    /// </summary>
    /// <param name="key">The store key of the session.</param>
    /// <param name="data">The session; the store neither changes it nor keeps a reference to it.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>
    /// The version written, which the caller sets as the session's <see cref="SessionData.StoreVersion"/>
    /// and may pass to <see cref="IConditionalSessionStore.TrySetAsync"/>; <see langword="null"/> for
    /// a store without versions.
    /// </returns>
    ValueTask<object?> SetAsync(string key, SessionData data, CancellationToken cancellationToken = default);

    /// <summary>Destroys a session; a missing one is not an error.</summary>
    /// <param name="key">The store key of the session.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the session is gone.</returns>
    ValueTask DestroyAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records activity on an unmodified session: the store takes the new expiry of
    /// <paramref name="data"/>'s cookie without rewriting its values, and does not change the
    /// session's version. Does nothing for a missing session: a touch never brings back a session
    /// destroyed meanwhile. A store whose touch moves only the expiry, leaving the stored
    /// document's cookie as it was, reports that expiry in <see cref="SessionData.StoreExpires"/>
    /// when it reads the session. The default does nothing (a session then expires a fixed time
    /// after its last write).
    /// </summary>
    /// <param name="key">The store key of the session.</param>
    /// <param name="data">The session, whose cookie carries the new expiry.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the expiry is recorded.</returns>
    ValueTask TouchAsync(string key, SessionData data, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
}
