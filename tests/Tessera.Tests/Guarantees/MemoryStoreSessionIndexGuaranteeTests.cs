using Tessera.StoreConformance;
using Xunit.Abstractions;

namespace Tessera.Tests.Guarantees;

/// <summary>"Log out everywhere else" over real HTTP, with two app instances on one memory store object.</summary>
public sealed class MemoryStoreSessionIndexGuaranteeTests(ITestOutputHelper output) : SessionIndexGuaranteeTests(output)
{
    protected override Task<(ISessionStore First, ISessionStore Second)> CreateSharedStoresAsync()
    {
        var store = new MemoryStore();
        return Task.FromResult<(ISessionStore, ISessionStore)>((store, store));
    }
}
