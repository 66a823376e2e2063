using Tessera.StoreConformance;

namespace Tessera.Sqlite.Tests;

public sealed class SqliteStoreOverlapSaveTests : OverlapSaveTests, IAsyncLifetime
{
    private readonly TemporarySqliteStores _stores = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _stores.DeleteAsync();

    protected override Task<ISessionStore> CreateStoreAsync() =>
        Task.FromResult<ISessionStore>(_stores.Open($"sessions{_stores.Count}.db"));
}
