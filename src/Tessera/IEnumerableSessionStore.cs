namespace Tessera;

/// <summary>
/// The optional store capability of listing, counting and clearing sessions (express-session's
/// <c>all</c>, <c>length</c> and <c>clear</c>), for administration. The middleware never calls these.
/// </summary>
/// <remarks>
/// <para>The contract:</para>
/// <list type="bullet">
/// <item><description>
/// <see cref="AllAsync"/> and <see cref="CountAsync"/> see exactly the live sessions: an expired
/// or destroyed session is neither listed nor counted, and nothing else the store keeps (indexes,
/// markers of its own) is either. A session that cannot be read is not listed.
/// </description></item>
/// <item><description>Sessions are listed by their store key, the one they were written under.</description></item>
/// <item><description>After <see cref="ClearAsync"/> no session can be read, listed or counted.</description></item>
/// </list>
/// </remarks>
public interface IEnumerableSessionStore : ISessionStore
{
    /// <summary>Gets every live session.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The live sessions by store key.</returns>
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
