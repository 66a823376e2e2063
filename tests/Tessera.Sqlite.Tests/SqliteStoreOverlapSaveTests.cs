using Tessera.StoreConformance;

namespace Tessera.Sqlite.Tests;

/// <summary>Overlapping requests over real HTTP with sessions in a SQLite file: early, failed, cancelled and abandoned saves.</summary>
public sealed class SqliteStoreOverlapSaveTests : OverlapSaveTests, IAsyncLifetime
{
    private readonly TemporarySqliteStores _stores = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _stores.DeleteAsync();

    protected override Task<ISessionStore> CreateStoreAsync() =>
        Task.FromResult<ISessionStore>(_stores.Open($"sessions{_stores.Count}.db"));
}
