using Tessera.StoreConformance;
using Tessera.TestServers;

namespace Tessera.Postgres.Tests;

/// <summary>Overlapping requests over real HTTP with sessions in a real PostgreSQL: early, failed, cancelled and abandoned saves.</summary>
[Collection(SharedPostgresServer.Name)]
public sealed class PostgresStoreOverlapSaveTests(PostgresServer server) : OverlapSaveTests, IAsyncLifetime
{
    private readonly TemporaryPostgresStores _stores = new(server);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _stores.DeleteAsync();

    protected override Task<ISessionStore> CreateStoreAsync() =>
        Task.FromResult<ISessionStore>(_stores.OpenNew());
}
