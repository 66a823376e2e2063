using Tessera.StoreConformance;
using Tessera.TestServers;
using Xunit.Abstractions;

namespace Tessera.Postgres.Tests;

/// <summary>The guarantees of parallel requests over real HTTP, with sessions in a real PostgreSQL.</summary>
[Collection(SharedPostgresServer.Name)]
public sealed class PostgresStoreGuaranteeTests(PostgresServer server, ITestOutputHelper output) : SessionGuaranteeTests(output), IAsyncLifetime
{
    private readonly TemporaryPostgresStores _stores = new(server);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _stores.DeleteAsync();

    protected override Task<ISessionStore> CreateStoreAsync() =>
        Task.FromResult<ISessionStore>(_stores.OpenNew());

    [Fact]
    public async Task Two_instances_of_an_app_sharing_one_table_keep_every_key_of_parallel_requests_to_one_session()
    {
        // Two processes of a web farm: each its own store and connection pool, one table between them.
        var table = _stores.NewTable();
        await AssertTwoInstancesKeepEveryKeyAsync(_stores.Open(table), _stores.Open(table));
    }
}
