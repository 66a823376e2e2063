using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Distributed;

namespace Tessera.DistributedCache.Tests;

/// <summary>
/// A cache whose asynchronous calls never complete on their own but end as cancelled as soon as
/// their token is cancelled, as a well-behaved remote cache waiting for its server does.
/// </summary>
internal sealed class TokenHonouringCache : IDistributedCache
{
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The task each call returned.</summary>
    public ConcurrentQueue<Task> Calls { get; } = new();

    /// <summary>Completes when a call has reached the cache.</summary>
    public Task Entered => _entered.Task;

    public byte[]? Get(string key) => throw new InvalidOperationException("The store called the synchronous Get.");

    public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => Pending<byte[]?>(token);

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => throw new InvalidOperationException("The store called the synchronous Set.");

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) => Pending<bool>(token);

    public void Refresh(string key) => throw new InvalidOperationException("The store called the synchronous Refresh.");

    public Task RefreshAsync(string key, CancellationToken token = default) => Pending<bool>(token);

    public void Remove(string key) => throw new InvalidOperationException("The store called the synchronous Remove.");

    public Task RemoveAsync(string key, CancellationToken token = default) => Pending<bool>(token);

    private Task<T> Pending<T>(CancellationToken token)
    {
        var pending = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = token.Register(() => pending.TrySetCanceled(token));
        Calls.Enqueue(pending.Task);
        _entered.TrySetResult();
        return pending.Task;
    }
}
