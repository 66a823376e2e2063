using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Tessera.StoreConformance;
using Xunit.Abstractions;

namespace Tessera.Sqlite.Tests;

/// <summary>The guarantees of parallel requests over real HTTP, with sessions in a SQLite file.</summary>
public sealed class SqliteStoreGuaranteeTests(ITestOutputHelper output) : SessionGuaranteeTests(output), IAsyncLifetime
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

    protected override Task<ISessionStore> CreateStoreAsync()
    {
        var store = new SqliteStore(new SqliteStoreOptions { Path = _folder.File($"sessions{_stores.Count}.db") });
        _stores.Add(store);
        return Task.FromResult<ISessionStore>(store);
    }

    [Fact]
    public async Task Two_instances_of_an_app_sharing_one_file_keep_every_key_of_parallel_requests_to_one_session()
    {
        // Two processes on one machine: each its own store and connection pool, one file between them.
        var path = _folder.File("shared.db");
        await using var firstStore = new SqliteStore(new SqliteStoreOptions { Path = path });
        await using var secondStore = new SqliteStore(new SqliteStoreOptions { Path = path });
        await AssertTwoInstancesKeepEveryKeyAsync(firstStore, secondStore);
    }
}
