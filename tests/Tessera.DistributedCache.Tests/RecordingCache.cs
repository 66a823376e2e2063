using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Distributed;

namespace Tessera.DistributedCache.Tests;

/// <summary>A cache that records every call made to it and passes it on to another.</summary>
internal sealed class RecordingCache(IDistributedCache inner) : IDistributedCache
{
    public ConcurrentQueue<string> Calls { get; } = new();

    public DistributedCacheEntryOptions? LastOptions { get; private set; }

    public byte[]? Get(string key) => throw new InvalidOperationException("The store called the synchronous Get.");

    public Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        Calls.Enqueue("Get " + key);
        return inner.GetAsync(key, token);
    }

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => throw new InvalidOperationException("The store called the synchronous Set.");

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        Calls.Enqueue("Set " + key);
        LastOptions = options;
        return inner.SetAsync(key, value, options, token);
    }

    public void Refresh(string key) => throw new InvalidOperationException("The store called the synchronous Refresh.");

    public Task RefreshAsync(string key, CancellationToken token = default)
    {
        Calls.Enqueue("Refresh " + key);
        return inner.RefreshAsync(key, token);
    }

    public void Remove(string key) => throw new InvalidOperationException("The store called the synchronous Remove.");

    public Task RemoveAsync(string key, CancellationToken token = default)
    {
        Calls.Enqueue("Remove " + key);
        return inner.RemoveAsync(key, token);
    }
}
