using Tessera.StoreConformance;

namespace Tessera.Sqlite.Tests;

/// <summary>Overlapping requests over real HTTP with sessions in a SQLite file: store calls bounded by StoreTimeout, touches throttled by TouchAfter, and server-side timeouts of Node-written sessions.</summary>
public sealed class SqliteStoreOverlapStoreCallTests : OverlapStoreCallTests, IAsyncLifetime
{
    private readonly TemporarySqliteStores _stores = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _stores.DeleteAsync();

    protected override Task<ISessionStore> CreateStoreAsync() =>
        Task.FromResult<ISessionStore>(_stores.Open($"sessions{_stores.Count}.db"));
}
