using StackExchange.Redis;
using Tessera.TestServers;

namespace Tessera.Redis.Tests;

/// <summary>
/// What the store kit's classes need of a real Redis: an empty database and a store on it, and,
/// as Redis expires keys on its own clock that the tests' fake clock cannot move, expiry checked
/// as the TTL the store gave the key and a session ended by expiring its key on the server.
/// </summary>
internal sealed class RedisKitServer(RedisServer server)
{
    private ConnectionMultiplexer? _connection;

    public async Task<RedisStore> CreateStoreAsync(TimeProvider timeProvider)
    {
        _connection = await ConnectionMultiplexer.ConnectAsync(server.Configuration + ",allowAdmin=true");
        await _connection.GetServers()[0].FlushAllDatabasesAsync();
        return new RedisStore(_connection, timeProvider: timeProvider);
    }

    public async Task AssertExpiresAfterAsync(string key, TimeSpan lifetime)
    {
        var ttl = await _connection!.GetDatabase().KeyTimeToLiveAsync("sess:" + key);

        Assert.NotNull(ttl);
        RedisAssert.TtlIs((long)Math.Ceiling(lifetime.TotalSeconds), ttl.Value);
    }

    /// <summary>Checks the session's TTL, then expires its key on the server at once, as Redis would have at the end of it.</summary>
    public async Task ExpireAsync(string key, TimeSpan lifetime)
    {
        await AssertExpiresAfterAsync(key, lifetime);
        Assert.True(await _connection!.GetDatabase().KeyExpireAsync("sess:" + key, DateTime.UtcNow.AddMinutes(-1)));
        Assert.False(await _connection.GetDatabase().KeyExistsAsync("sess:" + key));
    }

    public async Task CloseAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }
}
