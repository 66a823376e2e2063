using Tessera.StoreConformance;
using Xunit.Abstractions;

namespace Tessera.Sqlite.Tests;

/// <summary>
/// "Log out everywhere else" over real HTTP, with two app instances each with its own store and
/// connection pool on one SQLite file, as two processes of one machine.
/// </summary>
public sealed class SqliteStoreSessionIndexGuaranteeTests(ITestOutputHelper output) : SessionIndexGuaranteeTests(output), IAsyncLifetime
{
    private readonly TemporarySqliteStores _stores = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _stores.DeleteAsync();

    protected override Task<(ISessionStore First, ISessionStore Second)> CreateSharedStoresAsync()
    {
        var file = $"shared{_stores.Count}.db";
        return Task.FromResult<(ISessionStore, ISessionStore)>((_stores.Open(file), _stores.Open(file)));
    }
}
