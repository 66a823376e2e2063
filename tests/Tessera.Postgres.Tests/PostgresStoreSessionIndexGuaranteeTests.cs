using Tessera.StoreConformance;
using Tessera.TestServers;
using Xunit.Abstractions;

namespace Tessera.Postgres.Tests;

/// <summary>
/// "Log out everywhere else" over real HTTP, with two app instances each with its own store and
/// connection pool on one PostgreSQL table, as two servers of a web farm.
/// </summary>
[Collection(SharedPostgresServer.Name)]
public sealed class PostgresStoreSessionIndexGuaranteeTests(PostgresServer server, ITestOutputHelper output) : SessionIndexGuaranteeTests(output), IAsyncLifetime
{
    private readonly TemporaryPostgresStores _stores = new(server);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _stores.DeleteAsync();

    protected override Task<(ISessionStore First, ISessionStore Second)> CreateSharedStoresAsync()
    {
        var table = _stores.NewTable();
        return Task.FromResult<(ISessionStore, ISessionStore)>((_stores.Open(table), _stores.Open(table)));
    }
}
