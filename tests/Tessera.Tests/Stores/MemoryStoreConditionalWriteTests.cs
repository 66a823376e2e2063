using Tessera.Testing;

namespace Tessera.Tests.Stores;

public sealed class MemoryStoreConditionalWriteTests : ConditionalWriteTests<MemoryStore>
{
    protected override Task<MemoryStore> CreateStoreAsync(TimeProvider timeProvider) => Task.FromResult(new MemoryStore(timeProvider: timeProvider));
}
