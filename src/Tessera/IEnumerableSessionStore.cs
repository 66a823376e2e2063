namespace Tessera;

/// <summary>
/// The optional part of the store contract: listing, counting and clearing sessions
/// (express-session's <c>all</c>, <c>length</c> and <c>clear</c>). The middleware never calls these.
/// </summary>
public interface IEnumerableSessionStore : ISessionStore
{
    /// <summary>Gets every live session.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The live sessions by ID.</returns>
    ValueTask<IReadOnlyDictionary<string, SessionData>> AllAsync(CancellationToken cancellationToken = default);

    /// <summary>Counts the live sessions.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The number of live sessions.</returns>
    ValueTask<long> CountAsync(CancellationToken cancellationToken = default);

    /// <summary>Destroys every session.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the store is empty.</returns>
    ValueTask ClearAsync(CancellationToken cancellationToken = default);
}
