using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Tessera.Testing;

namespace Tessera.DistributedCache.Tests;

/// <summary>
/// The store kit's contract on <see cref="DistributedCacheStore"/> over Microsoft's
/// <see cref="MemoryDistributedCache"/>, whose clock is the test's fake clock. The store has none
/// of the optional capabilities, so the contract is all the kit runs on it. Its entries slide:
/// every read renews them, so expiry is checked as a lifetime from the last read.
/// </summary>
public sealed class MemoryDistributedCacheContractTests : SessionStoreContractTests<DistributedCacheStore>
{
    protected override Task<DistributedCacheStore> CreateStoreAsync(TimeProvider timeProvider)
    {
        var cache = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions { Clock = new FakeSystemClock(timeProvider) }));
        return Task.FromResult(new DistributedCacheStore(cache, timeProvider: timeProvider));
    }

    protected override async Task AssertExpiresAfterAsync(string key, TimeSpan lifetime)
    {
        Time.Advance(lifetime - TimeSpan.FromMilliseconds(1));
        Assert.NotNull(await Store.GetAsync(key)); // a read, which renews the entry for its lifetime

        Time.Advance(lifetime);
        Assert.Null(await Store.GetAsync(key));
    }
}
