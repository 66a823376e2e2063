using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Tessera.StoreConformance;

namespace Tessera.DistributedCache.Tests;

/// <summary>
/// The store conformance suite on <see cref="DistributedCacheStore"/> over Microsoft's
/// <see cref="MemoryDistributedCache"/>, whose clock is the test's fake clock. The store declares
/// that it has no conditional writes, no listing and no user index, and the suite checks that.
/// </summary>
public sealed class MemoryDistributedCacheConformanceTests : SessionStoreConformanceTests
{
    protected override bool ExpectsConditionalWrites => false;

    protected override bool ExpectsEnumeration => false;

    protected override bool ExpectsUserIndex => false;

    protected override Task<ISessionStore> CreateStoreAsync(TimeProvider timeProvider)
    {
        var cache = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions { Clock = new FakeSystemClock(timeProvider) }));
        return Task.FromResult<ISessionStore>(new DistributedCacheStore(cache, timeProvider: timeProvider));
    }
}
