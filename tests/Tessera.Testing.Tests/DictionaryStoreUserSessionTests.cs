namespace Tessera.Testing.Tests;

public sealed class DictionaryStoreUserSessionTests : UserSessionTests<DictionaryStore>
{
    protected override Task<DictionaryStore> CreateStoreAsync(TimeProvider timeProvider) => Task.FromResult(new DictionaryStore(timeProvider));
}
