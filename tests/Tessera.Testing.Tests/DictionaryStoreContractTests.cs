namespace Tessera.Testing.Tests;

public sealed class DictionaryStoreContractTests : SessionStoreContractTests<DictionaryStore>
{
    protected override Task<DictionaryStore> CreateStoreAsync(TimeProvider timeProvider) => Task.FromResult(new DictionaryStore(timeProvider));
}
