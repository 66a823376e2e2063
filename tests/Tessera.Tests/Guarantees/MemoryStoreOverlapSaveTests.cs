using Tessera.StoreConformance;

namespace Tessera.Tests.Guarantees;

public sealed class MemoryStoreOverlapSaveTests : OverlapSaveTests
{
    protected override Task<ISessionStore> CreateStoreAsync() => Task.FromResult<ISessionStore>(new MemoryStore());
}
