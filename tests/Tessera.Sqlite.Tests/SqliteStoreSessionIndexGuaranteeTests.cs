using Microsoft.Data.Sqlite;
using Tessera.StoreConformance;
using Xunit.Abstractions;

namespace Tessera.Sqlite.Tests;

/// <summary>
/// "Log out everywhere else" over real HTTP, with two app instances each with its own store and
/// connection pool on one SQLite file, as two processes of one machine.
/// </summary>
public sealed class SqliteStoreSessionIndexGuaranteeTests(ITestOutputHelper output) : SessionIndexGuaranteeTests(output), IAsyncLifetime
{
    private readonly TemporaryFolder _folder = new();
    private readonly List<SqliteStore> _stores = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }

        SqliteConnection.ClearAllPools();
        _folder.Delete();
    }

    protected override Task<(ISessionStore First, ISessionStore Second)> CreateSharedStoresAsync()
    {
        var path = _folder.File($"shared{_stores.Count}.db");
        var first = new SqliteStore(new SqliteStoreOptions { Path = path });
        var second = new SqliteStore(new SqliteStoreOptions { Path = path });
        _stores.Add(first);
        _stores.Add(second);
        return Task.FromResult<(ISessionStore, ISessionStore)>((first, second));
    }
}
