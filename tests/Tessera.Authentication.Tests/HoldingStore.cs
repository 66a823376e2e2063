namespace Tessera.Authentication.Tests;

/// <summary>
/// Wraps a store so that a test can hold one call, or make one fail as a store across the network
/// does. A held destroy says it has begun and goes on only when the test lets it, then honours its
/// token (a cancelled call does not reach the store): the moment a sign-out is in the store's
/// hands. A held write reaches the store first and answers only when the test lets it: a write
/// that landed while its caller gave up. A failing load throws an exception whose message names
/// the key, as StackExchange.Redis's do.
/// </summary>
internal sealed class HoldingStore : ISessionStore
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private ISessionStore _inner = null!;
    private Hold? _destroy;
    private Hold? _set;
    private int _failNextLoad;

    public bool IsReady => _inner.IsReady;

    public ISessionStore Wrap(ISessionStore inner)
    {
        _inner = inner;
        return this;
    }

    /// <summary>Holds the next destroy until <see cref="Hold.Release"/> completes; it then honours its token.</summary>
    public Hold HoldNextDestroy() => _destroy = new Hold();

    /// <summary>Lets the next write reach the store, then holds its answer until <see cref="Hold.Release"/> completes, whatever its token says.</summary>
    public Hold HoldNextWriteAfterItLands() => _set = new Hold();

    /// <summary>Makes the next load fail with an exception that names its key.</summary>
    public void FailNextLoad() => Volatile.Write(ref _failNextLoad, 1);

    public async ValueTask<SessionData?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _failNextLoad, 0) == 1)
        {
            throw new InvalidOperationException($"GET {key}: the connection was reset.");
        }

        return await _inner.GetAsync(key, cancellationToken);
    }

    public async ValueTask<object?> SetAsync(string key, SessionData data, CancellationToken cancellationToken = default)
    {
        var version = await _inner.SetAsync(key, data, cancellationToken);
        if (Interlocked.Exchange(ref _set, null) is { } hold)
        {
            hold.Key = key;
            hold.Began.TrySetResult();
            await hold.Release.Task.WaitAsync(Timeout, CancellationToken.None);
            hold.Ended.TrySetResult(true);
        }

        return version;
    }

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

        /// <summary>The key of the held call, once it has begun.</summary>
        public string? Key { get; set; }

        /// <summary>Whether the held call reached the store, once it has ended.</summary>
        public TaskCompletionSource<bool> Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
