using Tessera.StoreConformance;

namespace Tessera.Tests.Stores;

public sealed class MemoryStoreConformanceTests : SessionStoreConformanceTests
{
    protected override Task<ISessionStore> CreateStoreAsync(TimeProvider timeProvider) =>
        Task.FromResult<ISessionStore>(new MemoryStore(timeProvider: timeProvider));
}
