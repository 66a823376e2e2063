using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Tessera.StoreConformance;

namespace Tessera.DistributedCache.Tests;

/// <summary>Overlapping requests over real HTTP on the distributed-cache store (last write wins) over MemoryDistributedCache: early, failed, cancelled and abandoned saves.</summary>
public sealed class DistributedCacheOverlapSaveTests : OverlapSaveTests
{
    protected override Task<ISessionStore> CreateStoreAsync() =>
        Task.FromResult<ISessionStore>(new DistributedCacheStore(new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()))));
}
