namespace Tessera;

/// <summary>
/// Where sessions live: express-session's store contract. <see cref="GetAsync"/>,
/// <see cref="SetAsync"/> and <see cref="DestroyAsync"/> are required; <see cref="TouchAsync"/>
/// is recommended (the default does nothing); listing, counting and clearing are the optional
/// <see cref="IEnumerableSessionStore"/>.
/// </summary>
/// <remarks>
/// Every method is asynchronous and honours its <see cref="CancellationToken"/>. A store throws
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
    /// </summary>
    /// <param name="sessionId">The session ID.</param>
    /// <param name="data">The session, whose cookie carries the new expiry.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the expiry is recorded.</returns>
    ValueTask TouchAsync(string sessionId, SessionData data, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
}
