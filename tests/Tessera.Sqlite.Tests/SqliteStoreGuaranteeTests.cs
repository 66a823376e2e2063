using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Tessera.StoreConformance;
using Xunit.Abstractions;

namespace Tessera.Sqlite.Tests;

/// <summary>The guarantees of parallel requests over real HTTP, with sessions in a SQLite file.</summary>
public sealed class SqliteStoreGuaranteeTests(ITestOutputHelper output) : SessionGuaranteeTests(output), IAsyncLifetime
{
    private readonly TemporarySqliteStores _stores = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _stores.DeleteAsync();

    protected override Task<ISessionStore> CreateStoreAsync() =>
        Task.FromResult<ISessionStore>(_stores.Open($"sessions{_stores.Count}.db"));

    [Fact]
    public async Task Two_instances_of_an_app_sharing_one_file_keep_every_key_of_parallel_requests_to_one_session()
    {
        // Two processes on one machine: each its own store and connection pool, one file between them.
        await AssertTwoInstancesKeepEveryKeyAsync(_stores.Open("shared.db"), _stores.Open("shared.db"));
    }
}
