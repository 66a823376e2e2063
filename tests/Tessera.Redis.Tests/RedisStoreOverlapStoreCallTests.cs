using StackExchange.Redis;
using Tessera.StoreConformance;
using Tessera.TestServers;

namespace Tessera.Redis.Tests;

/// <summary>Overlapping requests over real HTTP with sessions in a real Redis: store calls bounded by StoreTimeout, touches throttled by TouchAfter, and server-side timeouts of Node-written sessions.</summary>
public sealed class RedisStoreOverlapStoreCallTests(RedisServer server) : OverlapStoreCallTests, IClassFixture<RedisServer>, IAsyncLifetime
{
    private ConnectionMultiplexer? _connection;

    public async Task InitializeAsync() => _connection = await EmptyRedis.ConnectAsync(server);

    public Task DisposeAsync() => _connection?.DisposeAsync().AsTask() ?? Task.CompletedTask;

    protected override Task<ISessionStore> CreateStoreAsync() =>
        Task.FromResult<ISessionStore>(new RedisStore(_connection!));

    // Redis's TTLs run on its own clock: shorten every session's TTL by the time the app's clock moved.
    protected override async Task StoreTimePassedAsync(TimeSpan elapsed)
    {
        var database = _connection!.GetDatabase();
        foreach (var key in _connection.GetServers()[0].Keys(pattern: "sess:*"))
        {
            if (await database.KeyTimeToLiveAsync(key) is { } left)
            {
                await database.KeyExpireAsync(key, left - elapsed);
            }
        }
    }

    protected override Task<ISessionStore> CreateStoreAsync(TimeProvider time) =>
        Task.FromResult<ISessionStore>(new RedisStore(_connection!, timeProvider: time));
}
