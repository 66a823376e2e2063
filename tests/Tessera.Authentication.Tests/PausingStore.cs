namespace Tessera.Authentication.Tests;

/// <summary>
/// Wraps a store that indexes users and writes conditionally so that a test can hold one load:
/// the load reads the session, says so, and returns it only when the test lets it — the moment a
/// renewal has read the ticket and not yet written it.
/// </summary>
internal sealed class PausingStore : IConditionalSessionStore, IUserSessionStore
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private IUserSessionStore _inner = null!;
    private IConditionalSessionStore _conditional = null!;
    private Pause? _pause;

    public bool IsReady => _inner.IsReady;

    public ISessionStore Wrap(ISessionStore inner)
    {
        _inner = inner as IUserSessionStore ?? throw new ArgumentException($"{inner.GetType().Name} keeps no index of sessions by user.", nameof(inner));
        _conditional = inner as IConditionalSessionStore ?? throw new ArgumentException($"{inner.GetType().Name} has no conditional writes.", nameof(inner));
        return this;
    }

    /// <summary>Holds the next load once it has read the session.</summary>
    /// <returns>Completes when that load has read; complete <c>Release</c> to let it return.</returns>
    public (Task Loaded, TaskCompletionSource Release) PauseNextLoad()
    {
        var pause = new Pause();
        _pause = pause;
        return (pause.Loaded.Task, pause.Release);
    }

    public async ValueTask<SessionData?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        var data = await _inner.GetAsync(key, cancellationToken);
        if (Interlocked.Exchange(ref _pause, null) is { } pause)
        {
            pause.Loaded.TrySetResult();
            await pause.Release.Task.WaitAsync(Timeout, cancellationToken);
        }

        return data;
    }

    public ValueTask<object?> SetAsync(string key, SessionData data, CancellationToken cancellationToken = default) => _inner.SetAsync(key, data, cancellationToken);

    public ValueTask<object?> TrySetAsync(string key, SessionData data, object expectedVersion, CancellationToken cancellationToken = default) =>
        _conditional.TrySetAsync(key, data, expectedVersion, cancellationToken);

    public ValueTask DestroyAsync(string key, CancellationToken cancellationToken = default) => _inner.DestroyAsync(key, cancellationToken);

    public ValueTask TouchAsync(string key, SessionData data, CancellationToken cancellationToken = default) => _inner.TouchAsync(key, data, cancellationToken);

    public ValueTask<IReadOnlyList<UserSessionInfo>> GetUserSessionsAsync(string userId, CancellationToken cancellationToken = default) =>
        _inner.GetUserSessionsAsync(userId, cancellationToken);

    private sealed class Pause
    {
        public TaskCompletionSource Loaded { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
