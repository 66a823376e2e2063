using Tessera.Testing;

namespace Tessera.Tests.Stores;

public sealed class MemoryStoreTouchOnReadTests : TouchOnReadTests<MemoryStore>
{
    protected override Task<MemoryStore> CreateStoreAsync(TimeProvider timeProvider) => Task.FromResult(new MemoryStore(timeProvider: timeProvider));
}
