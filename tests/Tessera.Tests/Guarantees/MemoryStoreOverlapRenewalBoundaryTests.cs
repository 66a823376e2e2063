using Tessera.StoreConformance;

namespace Tessera.Tests.Guarantees;

public sealed class MemoryStoreOverlapRenewalBoundaryTests : OverlapRenewalBoundaryTests
{
    protected override Task<ISessionStore> CreateStoreAsync() => Task.FromResult<ISessionStore>(new MemoryStore());
}
