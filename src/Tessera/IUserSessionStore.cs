namespace Tessera;

/// <summary>
/// The optional store capability behind <see cref="SessionIndex"/>: the store keeps an index
/// of sessions by <see cref="SessionData.UserId"/>, updated with every write, destroy and
/// expiry, so a user's sessions are found without scanning the store.
/// </summary>
public interface IUserSessionStore : ISessionStore
{
    /// <summary>Lists the live sessions of a user.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The user's sessions, by store key.</returns>
    ValueTask<IReadOnlyList<UserSessionInfo>> GetUserSessionsAsync(string userId, CancellationToken cancellationToken = default);
}
