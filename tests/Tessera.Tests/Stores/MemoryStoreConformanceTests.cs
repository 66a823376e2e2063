using Tessera.StoreConformance;

namespace Tessera.Tests.Stores;

public sealed class MemoryStoreConformanceTests : SessionStoreConformanceTests
{
    protected override Task<IEnumerableSessionStore> CreateStoreAsync(TimeProvider timeProvider) =>
        Task.FromResult<IEnumerableSessionStore>(new MemoryStore(timeProvider: timeProvider));
}
