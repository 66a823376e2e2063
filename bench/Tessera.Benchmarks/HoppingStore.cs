using System.Runtime.CompilerServices;

namespace Tessera.Benchmarks;

/// <summary>
/// The memory store behind one hop to the thread pool per call: every call completes
/// asynchronously, as a store across the network does, without the network's own cost and
/// noise. It declares <see cref="HonorsCancellation"/> as <see cref="RedisStore"/> does, so that
/// the guarded store path treats both alike (a hop ends at once: nothing waits past a
/// cancellation). Counts its calls, so that a baseline can make as many hops.
/// </summary>
internal sealed class HoppingStore(MemoryStore inner) : IConditionalSessionStore, ITouchOnReadSessionStore
{
    private long _calls;

    /// <summary>The calls made so far.</summary>
    public long Calls => Interlocked.Read(ref _calls);

    public bool HonorsCancellation => true;

    public async ValueTask<SessionData?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        await HopAsync();
        return await inner.GetAsync(key, cancellationToken);
    }

    public async ValueTask<SessionData?> GetAndTouchAsync(string key, DateTimeOffset expires, CancellationToken cancellationToken = default)
    {
        await HopAsync();
        return await inner.GetAndTouchAsync(key, expires, cancellationToken);
    }

    public async ValueTask<object?> SetAsync(string key, SessionData data, CancellationToken cancellationToken = default)
    {
        await HopAsync();
        return await inner.SetAsync(key, data, cancellationToken);
    }

    public async ValueTask<object?> TrySetAsync(string key, SessionData data, object expectedVersion, CancellationToken cancellationToken = default)
    {
        await HopAsync();
        return await inner.TrySetAsync(key, data, expectedVersion, cancellationToken);
    }

    public async ValueTask DestroyAsync(string key, CancellationToken cancellationToken = default)
    {
        await HopAsync();
        await inner.DestroyAsync(key, cancellationToken);
    }

    public async ValueTask TouchAsync(string key, SessionData data, CancellationToken cancellationToken = default)
    {
        await HopAsync();
        await inner.TouchAsync(key, data, cancellationToken);
    }

    private YieldAwaitable HopAsync()
    {
        Interlocked.Increment(ref _calls);
        return Task.Yield();
    }
}
