namespace Tessera.Testing.Tests;

public sealed class DictionaryStoreEnumerationTests : EnumerationTests<DictionaryStore>
{
    protected override Task<DictionaryStore> CreateStoreAsync(TimeProvider timeProvider) => Task.FromResult(new DictionaryStore(timeProvider));
}
