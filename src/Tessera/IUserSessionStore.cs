namespace Tessera;

/// <summary>
/// The optional store capability behind <see cref="SessionIndex"/>: the store keeps an index of
/// sessions by <see cref="SessionData.UserId"/>, so a user's sessions are found without scanning
/// the store.
/// </summary>
/// <remarks>
/// <para>The contract:</para>
/// <list type="bullet">
/// <item><description>
/// <see cref="GetUserSessionsAsync"/> lists exactly the user's live sessions, each under the store
/// key it was written under (<see cref="UserSessionInfo.Key"/>): a session written with the user is
/// listed; one destroyed, expired, or written since with another user or none is not.
/// </description></item>
/// <item><description>
/// The index follows every write, touch, destroy and expiry; an index that is only eventually
/// consistent must still answer correctly, checking each entry against its session when it lists.
/// </description></item>
/// <item><description>
/// The index stays bounded by the user's live sessions: entries of sessions that ended are dropped
/// in time, however often the user signs in.
/// </description></item>
/// </list>
/// </remarks>
public interface IUserSessionStore : ISessionStore
{
    /// <summary>Lists the live sessions of a user.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The user's sessions, each with its store key.</returns>
    ValueTask<IReadOnlyList<UserSessionInfo>> GetUserSessionsAsync(string userId, CancellationToken cancellationToken = default);
}
