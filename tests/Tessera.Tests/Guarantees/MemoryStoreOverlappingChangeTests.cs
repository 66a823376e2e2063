using Tessera.StoreConformance;

namespace Tessera.Tests.Guarantees;

public sealed class MemoryStoreOverlappingChangeTests : OverlappingChangeTests
{
    protected override Task<ISessionStore> CreateStoreAsync() => Task.FromResult<ISessionStore>(new MemoryStore());
}
