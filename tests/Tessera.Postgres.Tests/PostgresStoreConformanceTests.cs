using Tessera.StoreConformance;
using Tessera.TestServers;

namespace Tessera.Postgres.Tests;

[Collection(SharedPostgresServer.Name)]
public sealed class PostgresStoreConformanceTests(PostgresServer server) : SessionStoreConformanceTests
{
    private readonly TemporaryPostgresStores _stores = new(server);

    protected override Task<ISessionStore> CreateStoreAsync(TimeProvider timeProvider) =>
        Task.FromResult<ISessionStore>(_stores.OpenNew(timeProvider));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _stores.DeleteAsync();
    }
}
