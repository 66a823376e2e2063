using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Tessera.StoreConformance;

namespace Tessera.DistributedCache.Tests;

/// <summary>Overlapping requests over real HTTP on the distributed-cache store (last write wins) over MemoryDistributedCache: store calls bounded by StoreTimeout, touches throttled by TouchAfter, and server-side timeouts of Node-written sessions.</summary>
public sealed class DistributedCacheOverlapStoreCallTests : OverlapStoreCallTests
{
    // The cache renews a sliding entry on every read: a read-only request needs no touch.
    protected override bool ReadsRenewTheExpiry => true;

    protected override Task<ISessionStore> CreateStoreAsync() =>
        Task.FromResult<ISessionStore>(new DistributedCacheStore(new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()))));

    protected override Task<ISessionStore> CreateStoreAsync(TimeProvider time) =>
        Task.FromResult<ISessionStore>(new DistributedCacheStore(new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions())), timeProvider: time));
}
