namespace Tessera;

/// <summary>
/// The optional store capability of conditional writes (compare-and-set). With it, and
/// <see cref="TesseraOptions.ConditionalWrites"/> on, parallel requests to one session keep each
/// other's changes and a destroyed session is never written back; without it, the last write
/// wins, as in express-session.
/// </summary>
/// <remarks>
/// <para>The contract:</para>
/// <list type="bullet">
/// <item><description>
/// Every session the store reads (<see cref="ISessionStore.GetAsync"/>) carries a non-null
/// <see cref="SessionData.StoreVersion"/>, and every write (<see cref="ISessionStore.SetAsync"/>,
/// <see cref="TrySetAsync"/>) returns the non-null version it wrote. A version is opaque to the
/// caller; it changes with every write that changes the stored session (a write of the same bytes
/// may keep it), and never with a touch.
/// </description></item>
/// <item><description>
/// <see cref="TrySetAsync"/> writes only when the stored session's version is still the expected
/// one, atomically: no other write can land between the comparison and the write.
/// </description></item>
/// <item><description>
/// A missing or expired session never matches any version, so a session destroyed or expired
/// meanwhile is never brought back.
/// </description></item>
/// <item><description>
/// A conditional write of a session whose expiry has passed removes the stored session when the
/// version matches (a conditional delete), and returns a version all the same.
/// </description></item>
/// <item><description>A version of another store, or of another type, never matches.</description></item>
/// </list>
/// </remarks>
public interface IConditionalSessionStore : ISessionStore
{
    /// <summary>
    /// Writes the session only if the stored session is still the version the caller read or wrote.
    /// </summary>
    /// <param name="key">The store key of the session.</param>
    /// <param name="data">The session to write; the store neither changes it nor keeps a reference to it.</param>
    /// <param name="expectedVersion">The version the caller read or last wrote (never null).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>
    /// The version written; <see langword="null"/> when nothing was written because the stored
    /// session had changed, was destroyed or has expired (a conflict).
    /// </returns>
    ValueTask<object?> TrySetAsync(string key, SessionData data, object expectedVersion, CancellationToken cancellationToken = default);
}
