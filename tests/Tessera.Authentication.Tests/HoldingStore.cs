namespace Tessera.Authentication.Tests;

/// <summary>
/// Wraps a store so that a test can hold one destroy: it says it has begun and goes on only when
/// the test lets it, then honours its token (a cancelled call does not reach the store) — the
/// moment a sign-out is in the store's hands.
/// </summary>
internal sealed class HoldingStore : ISessionStore
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private ISessionStore _inner = null!;
    private Hold? _destroy;

    public bool IsReady => _inner.IsReady;

    public ISessionStore Wrap(ISessionStore inner)
    {
        _inner = inner;
        return this;
    }

    /// <summary>Holds the next destroy until <see cref="Hold.Release"/> completes; it then honours its token.</summary>
    public Hold HoldNextDestroy() => _destroy = new Hold();

    public ValueTask<SessionData?> GetAsync(string key, CancellationToken cancellationToken = default) => _inner.GetAsync(key, cancellationToken);

    public ValueTask<object?> SetAsync(string key, SessionData data, CancellationToken cancellationToken = default) => _inner.SetAsync(key, data, cancellationToken);

    public async ValueTask DestroyAsync(string key, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _destroy, null) is not { } hold)
        {
            await _inner.DestroyAsync(key, cancellationToken);
            return;
        }

        try
        {
            hold.Began.TrySetResult();
            await hold.Release.Task.WaitAsync(Timeout, CancellationToken.None);
            cancellationToken.ThrowIfCancellationRequested();
            await _inner.DestroyAsync(key, cancellationToken);
            hold.Ended.TrySetResult(true);
        }
        catch
        {
            hold.Ended.TrySetResult(false);
            throw;
        }
    }

    public ValueTask TouchAsync(string key, SessionData data, CancellationToken cancellationToken = default) => _inner.TouchAsync(key, data, cancellationToken);

    internal sealed class Hold
    {
        /// <summary>Completes when the held call has begun.</summary>
        public TaskCompletionSource Began { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Complete it to let the held call go on.</summary>
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Whether the held call reached the store, once it has ended.</summary>
        public TaskCompletionSource<bool> Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
