using Microsoft.Extensions.Caching.Distributed;
using Tessera.StoreConformance;

namespace Tessera.DistributedCache.Tests;

/// <summary>
/// Wraps a cache so that, once armed, the next call runs against the cache and then waits for
/// <see cref="Release"/> before it returns: whatever the store does after that call (a touch
/// that read the entry writing it back, say) happens only after the test has acted in between.
/// </summary>
internal sealed class HeldCallCache(IDistributedCache inner) : IDistributedCache
{
    private int _armed;

    /// <summary>Opened when the held call has run against the cache.</summary>
    public Gate Held { get; } = new("the held cache call to run");

    /// <summary>Opened by the test to let the held call return.</summary>
    public Gate Release { get; } = new("the test to release the held cache call");

    /// <summary>Holds the next call.</summary>
    public void Arm() => Volatile.Write(ref _armed, 1);

    public byte[]? Get(string key) => throw new InvalidOperationException("The store called the synchronous Get.");

    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        var value = await inner.GetAsync(key, token);
        await HoldAsync();
        return value;
    }

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => throw new InvalidOperationException("The store called the synchronous Set.");

    public async Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        await inner.SetAsync(key, value, options, token);
        await HoldAsync();
    }

    public void Refresh(string key) => throw new InvalidOperationException("The store called the synchronous Refresh.");

    public async Task RefreshAsync(string key, CancellationToken token = default)
    {
        await inner.RefreshAsync(key, token);
        await HoldAsync();
    }

    public void Remove(string key) => throw new InvalidOperationException("The store called the synchronous Remove.");

    public async Task RemoveAsync(string key, CancellationToken token = default)
    {
        await inner.RemoveAsync(key, token);
        await HoldAsync();
    }

    private async Task HoldAsync()
    {
        if (Interlocked.Exchange(ref _armed, 0) == 1)
        {
            Held.Open();
            await Release.WaitAsync();
        }
    }
}
