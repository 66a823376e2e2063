using Tessera.StoreConformance;
using Tessera.TestServers;

namespace Tessera.Postgres.Tests;

/// <summary>Overlapping requests over real HTTP with sessions in a real PostgreSQL: where the grace period of a renewed ID stops, hashed IDs, and renewals after the response started.</summary>
[Collection(SharedPostgresServer.Name)]
public sealed class PostgresStoreOverlapRenewalBoundaryTests(PostgresServer server) : OverlapRenewalBoundaryTests, IAsyncLifetime
{
    private readonly TemporaryPostgresStores _stores = new(server);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _stores.DeleteAsync();

    protected override Task<ISessionStore> CreateStoreAsync() =>
        Task.FromResult<ISessionStore>(_stores.OpenNew());
}
