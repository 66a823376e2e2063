using Tessera.StoreConformance;

namespace Tessera.Tests.Guarantees;

public sealed class MemoryStoreOverlapStoreCallTests : OverlapStoreCallTests
{
    protected override Task<ISessionStore> CreateStoreAsync() => Task.FromResult<ISessionStore>(new MemoryStore());
}
