using Tessera.StoreConformance;
using Tessera.TestServers;

namespace Tessera.Postgres.Tests;

/// <summary>Overlapping requests over real HTTP with sessions in a real PostgreSQL: store calls bounded by StoreTimeout, touches throttled by TouchAfter, and server-side timeouts of Node-written sessions.</summary>
[Collection(SharedPostgresServer.Name)]
public sealed class PostgresStoreOverlapStoreCallTests(PostgresServer server) : OverlapStoreCallTests, IAsyncLifetime
{
    private readonly TemporaryPostgresStores _stores = new(server);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _stores.DeleteAsync();

    protected override Task<ISessionStore> CreateStoreAsync() =>
        Task.FromResult<ISessionStore>(_stores.OpenNew());

    // The store's expiry runs on the clock it is given: the app's.
    protected override Task<ISessionStore> CreateStoreAsync(TimeProvider time) =>
        Task.FromResult<ISessionStore>(_stores.OpenNew(time));
}
