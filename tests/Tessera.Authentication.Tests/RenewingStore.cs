namespace Tessera.Authentication.Tests;

/// <summary>
/// Wraps a store that indexes users and writes conditionally so that another request's renewal
/// lands just before each of the app's conditional writes, as many times as the test says: the
/// stored ticket is written again with the same principal and an expiry a minute later, so each
/// conflict the app meets is a real one in the real store.
/// </summary>
internal sealed class RenewingStore(int renewals) : IConditionalSessionStore, IUserSessionStore
{
    private IUserSessionStore _inner = null!;
    private IConditionalSessionStore _conditional = null!;
    private int _renewalsLeft = renewals;
    private int _conditionalWrites;

    public bool IsReady => _inner.IsReady;

    /// <summary>The app's conditional writes so far.</summary>
    public int ConditionalWrites => Volatile.Read(ref _conditionalWrites);

    public ISessionStore Wrap(ISessionStore inner)
    {
        _inner = inner as IUserSessionStore ?? throw new ArgumentException($"{inner.GetType().Name} keeps no index of sessions by user.", nameof(inner));
        _conditional = inner as IConditionalSessionStore ?? throw new ArgumentException($"{inner.GetType().Name} has no conditional writes.", nameof(inner));
        return this;
    }

    public async ValueTask<object?> TrySetAsync(string key, SessionData data, object expectedVersion, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _conditionalWrites);
        if (Interlocked.Decrement(ref _renewalsLeft) >= 0 && await _inner.GetAsync(key, cancellationToken) is { } stored)
        {
            stored.Cookie.Expires += TimeSpan.FromMinutes(1);
            await _inner.SetAsync(key, stored, cancellationToken);
        }

        return await _conditional.TrySetAsync(key, data, expectedVersion, cancellationToken);
    }

    public ValueTask<SessionData?> GetAsync(string key, CancellationToken cancellationToken = default) => _inner.GetAsync(key, cancellationToken);

    public ValueTask<object?> SetAsync(string key, SessionData data, CancellationToken cancellationToken = default) => _inner.SetAsync(key, data, cancellationToken);

    public ValueTask DestroyAsync(string key, CancellationToken cancellationToken = default) => _inner.DestroyAsync(key, cancellationToken);

    public ValueTask TouchAsync(string key, SessionData data, CancellationToken cancellationToken = default) => _inner.TouchAsync(key, data, cancellationToken);

    public ValueTask<IReadOnlyList<UserSessionInfo>> GetUserSessionsAsync(string userId, CancellationToken cancellationToken = default) =>
        _inner.GetUserSessionsAsync(userId, cancellationToken);
}
