using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tessera.Middleware;

namespace Tessera;

/// <summary>
/// A user's sessions: list them, sign one out, sign out all the others ("log out everywhere
/// else"), or all of them. Works with stores that implement <see cref="IUserSessionStore"/>
/// (MemoryStore, SqliteStore, RedisStore). A destroyed session cannot be written back by a
/// request still in flight for it, with stores that support conditional writes.
/// </summary>
public sealed class SessionIndex
{
    private readonly GuardedStore _store;
    private readonly TesseraOptions _options;
    private readonly TesseraMetrics _metrics;
    private readonly ILogger _logger;

    internal SessionIndex(IOptions<TesseraOptions> options, GuardedStore store, TesseraMetrics metrics, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _store = store;
        _metrics = metrics;
        _logger = logger;
    }

    private IUserSessionStore UserStore => _store.Store as IUserSessionStore
        ?? throw new NotSupportedException($"The session store {_store.Store.GetType().Name} keeps no index of sessions by user (IUserSessionStore); use MemoryStore, SqliteStore, PostgresStore or RedisStore.");

    /// <summary>Lists a user's live sessions, most recently used first (then most recently created).</summary>
    /// <param name="userId">The user.</param>
    /// <param name="current">The current request's session, to mark it in the list.</param>
    /// <param name="cancellationToken">Cancels the store call.</param>
    /// <returns>The sessions.</returns>
    public async ValueTask<IReadOnlyList<UserSessionInfo>> ListAsync(string userId, Session? current = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        var sessions = await _store.GetUserSessionsAsync(UserStore, userId, cancellationToken);
        var currentKey = current is null ? null : StoreKeys.For(current.Id, _options);
        foreach (var session in sessions)
        {
            session.IsCurrent = session.Key == currentKey;
        }

        return [.. sessions
            .OrderByDescending(s => s.LastSeen ?? s.Created ?? DateTimeOffset.MinValue)
            .ThenByDescending(s => s.Created ?? DateTimeOffset.MinValue)
            .ThenBy(s => s.Key, StringComparer.Ordinal)];
    }

    /// <summary>Signs one of a user's sessions out (destroys it).</summary>
    /// <param name="userId">The user.</param>
    /// <param name="key">The session's <see cref="UserSessionInfo.Key"/>.</param>
    /// <param name="cancellationToken">Cancels the store calls.</param>
    /// <returns>Whether the user had that session.</returns>
    public async ValueTask<bool> DestroyAsync(string userId, string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var sessions = await _store.GetUserSessionsAsync(UserStore, userId, cancellationToken);
        if (!sessions.Any(s => s.Key == key))
        {
            return false;
        }

        await DestroyCoreAsync(sessions.First(s => s.Key == key), cancellationToken);
        return true;
    }

    /// <summary>Signs out every session of the user except <paramref name="current"/>: "log out everywhere else".</summary>
    /// <param name="current">The session to keep; its <see cref="Session.UserId"/> is the user.</param>
    /// <param name="cancellationToken">Cancels the store calls.</param>
    /// <returns>How many sessions were destroyed.</returns>
    /// <exception cref="InvalidOperationException">The session has no user.</exception>
    public ValueTask<int> DestroyOthersAsync(Session current, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(current);
        var userId = current.UserId ?? throw new InvalidOperationException("The session has no UserId; set Session.UserId when the user signs in.");
        return DestroyAllCoreAsync(userId, StoreKeys.For(current.Id, _options), cancellationToken);
    }

    /// <summary>Signs out every session of the user ("log out everywhere").</summary>
    /// <param name="userId">The user.</param>
    /// <param name="cancellationToken">Cancels the store calls.</param>
    /// <returns>How many sessions were destroyed.</returns>
    public ValueTask<int> DestroyAllAsync(string userId, CancellationToken cancellationToken = default) =>
        DestroyAllCoreAsync(userId, keep: null, cancellationToken);

    private async ValueTask<int> DestroyAllCoreAsync(string userId, string? keep, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        var destroyed = 0;
        foreach (var session in await _store.GetUserSessionsAsync(UserStore, userId, cancellationToken))
        {
            if (session.Key != keep)
            {
                await DestroyCoreAsync(session, cancellationToken);
                destroyed++;
            }
        }

        return destroyed;
    }

    private async ValueTask DestroyCoreAsync(UserSessionInfo session, CancellationToken cancellationToken)
    {
        await _store.DestroyAsync(session.Key, cancellationToken);
        _metrics.Destroyed(SessionEndReason.Revoked);
        if (_options.OnDestroyed is { } handler)
        {
            try
            {
                await handler(new SessionLifecycleEvent(session.Key, session.UserId, httpContext: null) { Reason = SessionEndReason.Revoked });
            }
            catch (Exception ex)
            {
                TesseraLog.EventHandlerFailed(_logger, ex);
            }
        }
    }
}
