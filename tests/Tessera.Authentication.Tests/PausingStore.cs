namespace Tessera.Authentication.Tests;

/// <summary>
/// Wraps a store that indexes users so that a test can hold one load: the load reads the
/// session, says so, and returns it only when the test lets it — the moment a renewal has read
/// the ticket and not yet written it.
/// </summary>
internal sealed class PausingStore : IUserSessionStore
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private IUserSessionStore _inner = null!;
    private Pause? _pause;

    public bool IsReady => _inner.IsReady;

    public bool SupportsConditionalWrites => _inner.SupportsConditionalWrites;

    public ISessionStore Wrap(ISessionStore inner)
    {
        _inner = inner as IUserSessionStore ?? throw new ArgumentException($"{inner.GetType().Name} keeps no index of sessions by user.", nameof(inner));
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

    public async ValueTask<SessionData?> GetAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        var data = await _inner.GetAsync(sessionId, cancellationToken);
        if (Interlocked.Exchange(ref _pause, null) is { } pause)
        {
            pause.Loaded.TrySetResult();
            await pause.Release.Task.WaitAsync(Timeout, cancellationToken);
        }

        return data;
    }

    public ValueTask SetAsync(string sessionId, SessionData data, CancellationToken cancellationToken = default) => _inner.SetAsync(sessionId, data, cancellationToken);

    public ValueTask<bool> TrySetAsync(string sessionId, SessionData data, object expectedVersion, CancellationToken cancellationToken = default) =>
        _inner.TrySetAsync(sessionId, data, expectedVersion, cancellationToken);

    public ValueTask DestroyAsync(string sessionId, CancellationToken cancellationToken = default) => _inner.DestroyAsync(sessionId, cancellationToken);

    public ValueTask TouchAsync(string sessionId, SessionData data, CancellationToken cancellationToken = default) => _inner.TouchAsync(sessionId, data, cancellationToken);

    public ValueTask<IReadOnlyList<UserSessionInfo>> GetUserSessionsAsync(string userId, CancellationToken cancellationToken = default) =>
        _inner.GetUserSessionsAsync(userId, cancellationToken);

    private sealed class Pause
    {
        public TaskCompletionSource Loaded { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
