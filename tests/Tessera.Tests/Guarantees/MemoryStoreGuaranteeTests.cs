using Tessera.StoreConformance;
using Xunit.Abstractions;

namespace Tessera.Tests.Guarantees;

public sealed class MemoryStoreGuaranteeTests(ITestOutputHelper output) : SessionGuaranteeTests(output)
{
    protected override Task<ISessionStore> CreateStoreAsync() => Task.FromResult<ISessionStore>(new MemoryStore());
}
