using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using StackExchange.Redis;
using Tessera.StoreConformance;
using Tessera.Testing;
using Xunit.Abstractions;

namespace Tessera.Redis.Tests;

/// <summary>The guarantees of parallel requests over real HTTP, with sessions in a real Redis.</summary>
public sealed class RedisStoreGuaranteeTests(RedisServer server, ITestOutputHelper output)
    : SessionGuaranteeTests(output), IClassFixture<RedisServer>, IAsyncLifetime
{
    private ConnectionMultiplexer? _connection;

    public async Task InitializeAsync()
    {
        _connection = await ConnectionMultiplexer.ConnectAsync(server.Configuration + ",allowAdmin=true");
        await _connection.GetServers()[0].FlushAllDatabasesAsync();
    }

    public async Task DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }

    protected override Task<ISessionStore> CreateStoreAsync() =>
        Task.FromResult<ISessionStore>(new RedisStore(_connection!));

    [Fact]
    public async Task Two_instances_of_an_app_sharing_Redis_keep_every_key_of_parallel_requests_to_one_session()
    {
        const int PerInstance = 25;

        // Two processes of a web farm: each its own store and connection, one Redis between them.
        await using var otherConnection = await ConnectionMultiplexer.ConnectAsync(server.Configuration);
        var stores = new[] { new LoadBarrierStore(new RedisStore(_connection!)), new LoadBarrierStore(new RedisStore(otherConnection)) };
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
