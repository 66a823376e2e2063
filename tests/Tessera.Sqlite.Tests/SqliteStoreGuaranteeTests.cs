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
        const int PerInstance = 25;

        // Two processes on one machine: each its own store and connection pool, one file between them.
        var path = _folder.File("shared.db");
        await using var firstStore = new SqliteStore(new SqliteStoreOptions { Path = path });
        await using var secondStore = new SqliteStore(new SqliteStoreOptions { Path = path });
        var stores = new[] { new LoadBarrierStore(firstStore), new LoadBarrierStore(secondStore) };
        await using var first = await KestrelSessionApp.StartAsync(stores[0], null, MapEndpoints);
        await using var second = await KestrelSessionApp.StartAsync(stores[1], null, MapEndpoints);
        var apps = new[] { first, second };
        var cookie = KestrelSessionApp.CookieOf(await first.GetAsync("/set/seed"));

        stores[0].Arm(PerInstance);
        stores[1].Arm(PerInstance);
        var responses = await Task.WhenAll(Enumerable.Range(0, 2 * PerInstance).Select(i => apps[i % 2].GetAsync($"/set/k{i:000}", cookie)));

        Assert.All(responses, r => Assert.True(r.IsSuccessStatusCode, $"status {(int)r.StatusCode}"));
        Assert.True(stores[0].Met && stores[1].Met, "The requests of an instance did not all load the session before the first one saved it.");
        var keys = (await (await second.GetAsync("/keys", cookie)).Content.ReadAsStringAsync()).Split(',');
        Assert.Equal([.. Enumerable.Range(0, 2 * PerInstance).Select(i => $"k{i:000}"), "seed"], keys);
    }

    private static void MapEndpoints(WebApplication app)
    {
        app.MapGet("/set/{key}", (string key, Session session) =>
        {
            session.Set(key, "set");
            return "ok";
        });
        app.MapGet("/keys", (Session session) => string.Join(",", session.Keys.Order(StringComparer.Ordinal)));
    }
}
