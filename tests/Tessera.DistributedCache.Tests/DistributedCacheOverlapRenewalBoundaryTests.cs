using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Tessera.StoreConformance;

namespace Tessera.DistributedCache.Tests;

public sealed class DistributedCacheOverlapRenewalBoundaryTests : OverlapRenewalBoundaryTests
{
    protected override Task<ISessionStore> CreateStoreAsync() =>
        Task.FromResult<ISessionStore>(new DistributedCacheStore(new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()))));
}
