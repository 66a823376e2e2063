using Tessera.StoreConformance;

namespace Tessera.Tests.Infrastructure;

/// <summary>
/// Wraps a store with conditional writes so that, once armed, one request holds the commit lock
/// of its session through more than one store call: the next conditional write waits for
/// <see cref="Release"/> and then reports a conflict without writing; the conditional write
/// after that (the same request's retry) never completes, whatever its token.
/// </summary>
internal sealed class HeldWriteStore(IConditionalSessionStore inner) : IConditionalSessionStore
{
    private readonly TaskCompletionSource _never = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _armed;
    private int _writes;

    /// <summary>Opened when the first held write reaches the store.</summary>
    public Gate FirstWriteReached { get; } = new("the first conditional write to reach the store");

    /// <summary>Opened by the test to let the first held write report its conflict.</summary>
    public Gate Release { get; } = new("the test to release the first conditional write");

    /// <summary>Opened when the retried write (the one that never completes) reaches the store.</summary>
    public Gate SecondWriteReached { get; } = new("the retried conditional write to reach the store");

    public bool IsReady => inner.IsReady;

    /// <summary>Holds the next two conditional writes.</summary>
    public void Arm()
    {
        Volatile.Write(ref _writes, 0);
        Volatile.Write(ref _armed, 1);
    }

    public ValueTask<SessionData?> GetAsync(string key, CancellationToken cancellationToken = default) => inner.GetAsync(key, cancellationToken);

    public ValueTask<object?> SetAsync(string key, SessionData data, CancellationToken cancellationToken = default) => inner.SetAsync(key, data, cancellationToken);

    public async ValueTask<object?> TrySetAsync(string key, SessionData data, object expectedVersion, CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _armed) == 1)
        {
            switch (Interlocked.Increment(ref _writes))
            {
                case 1:
                    FirstWriteReached.Open();
                    await Release.WaitAsync();
                    return null; // a conflict
                case 2:
                    SecondWriteReached.Open();
                    await _never.Task;
                    break;
            }
        }

        return await inner.TrySetAsync(key, data, expectedVersion, cancellationToken);
    }

    public ValueTask DestroyAsync(string key, CancellationToken cancellationToken = default) => inner.DestroyAsync(key, cancellationToken);

    public ValueTask TouchAsync(string key, SessionData data, CancellationToken cancellationToken = default) => inner.TouchAsync(key, data, cancellationToken);
}
