using Tessera.Testing;
using Tessera.TestServers;

namespace Tessera.Postgres.Tests;

/// <summary>The store kit's ConditionalWriteTests on a real PostgreSQL, each test on a table of its own; expiry follows the store's clock.</summary>
[Collection(SharedPostgresServer.Name)]
public sealed class PostgresStoreConditionalWriteTests(PostgresServer server) : ConditionalWriteTests<PostgresStore>
{
    private readonly TemporaryPostgresStores _stores = new(server);

    protected override Task<PostgresStore> CreateStoreAsync(TimeProvider timeProvider) => Task.FromResult(_stores.OpenNew(timeProvider));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _stores.DeleteAsync();
    }
}
