namespace Tessera.Testing.Tests;

public sealed class DictionaryStoreConditionalWriteTests : ConditionalWriteTests<DictionaryStore>
{
    protected override Task<DictionaryStore> CreateStoreAsync(TimeProvider timeProvider) => Task.FromResult(new DictionaryStore(timeProvider));
}
