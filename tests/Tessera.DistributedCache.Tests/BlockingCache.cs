using Microsoft.Extensions.Caching.Distributed;

namespace Tessera.DistributedCache.Tests;

/// <summary>
/// A cache whose asynchronous methods block the thread that calls them until the test releases
/// them, and ignore their token, as some <see cref="IDistributedCache"/> implementations do.
/// Once released, a read finds nothing and a write or a removal does nothing, or each fails when
/// <see cref="FailWhenReleased"/> is set.
/// </summary>
internal sealed class BlockingCache : IDistributedCache, IDisposable
{
    private readonly ManualResetEventSlim _release = new();
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _returned = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _blocked;

    /// <summary>Completes when a call has entered the cache and blocks there.</summary>
    public Task Entered => _entered.Task;

    /// <summary>Completes when, after <see cref="Release"/>, no call is blocked in the cache any more.</summary>
    public Task Returned => _returned.Task;

    /// <summary>The number of calls blocked in the cache now.</summary>
    public int Blocked => Volatile.Read(ref _blocked);

    /// <summary>The ID of the thread each call came in on.</summary>
    public int? CallingThreadId { get; private set; }

    public bool FailWhenReleased { get; init; }

    public void Release() => _release.Set();

    public byte[]? Get(string key) => throw new InvalidOperationException("The store called the synchronous Get.");

    public Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        Block();
        return Task.FromResult<byte[]?>(null);
    }

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => throw new InvalidOperationException("The store called the synchronous Set.");

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        Block();
        return Task.CompletedTask;
    }

    public void Refresh(string key) => throw new InvalidOperationException("The store called the synchronous Refresh.");

    public Task RefreshAsync(string key, CancellationToken token = default)
    {
        Block();
        return Task.CompletedTask;
    }

    public void Remove(string key) => throw new InvalidOperationException("The store called the synchronous Remove.");

    public Task RemoveAsync(string key, CancellationToken token = default)
    {
        Block();
        return Task.CompletedTask;
    }

    public void Dispose() => _release.Dispose();

    // Blocks the calling thread, the token unheeded, until the test releases the cache.
    private void Block()
    {
        CallingThreadId = Environment.CurrentManagedThreadId;
        Interlocked.Increment(ref _blocked);
        _entered.TrySetResult();
        _release.Wait(CancellationToken.None);
        if (Interlocked.Decrement(ref _blocked) == 0)
        {
            _returned.TrySetResult();
        }

        if (FailWhenReleased)
        {
            throw new InvalidOperationException("The cache failed.");
        }
    }
}
