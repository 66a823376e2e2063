using StackExchange.Redis;
using Tessera.StoreConformance;
using Tessera.Testing;

namespace Tessera.Redis.Tests;

/// <summary>
/// The store conformance suite against a real Redis. Redis expires keys on its own clock, which
/// the tests' fake clock cannot move, so expiry is checked as the TTL the store gave the key
/// (read back with the server's TTL command), not by waiting for it, and a session is ended by
/// checking that TTL and then expiring the key on the server at once.
/// </summary>
public sealed class RedisStoreConformanceTests(RedisServer server) : SessionStoreConformanceTests, IClassFixture<RedisServer>
{
    private ConnectionMultiplexer? _connection;

    protected override async Task<ISessionStore> CreateStoreAsync(TimeProvider timeProvider)
    {
        _connection = await ConnectionMultiplexer.ConnectAsync(server.Configuration + ",allowAdmin=true");
        await _connection.GetServers()[0].FlushAllDatabasesAsync();
        return new RedisStore(_connection, timeProvider: timeProvider);
    }

    protected override async Task AssertExpiresAfterAsync(string sessionId, TimeSpan lifetime)
    {
        var ttl = await _connection!.GetDatabase().KeyTimeToLiveAsync("sess:" + sessionId);

        Assert.NotNull(ttl);
        RedisAssert.TtlIs((long)Math.Ceiling(lifetime.TotalSeconds), ttl.Value);
    }

    protected override async Task ExpireAsync(string sessionId, TimeSpan lifetime)
    {
        await AssertExpiresAfterAsync(sessionId, lifetime);
        Time.Advance(lifetime);

        // An expiry time already past: Redis drops the key, as it would have at the end of its TTL.
        Assert.True(await _connection!.GetDatabase().KeyExpireAsync("sess:" + sessionId, DateTime.UtcNow.AddMinutes(-1)));
        Assert.False(await _connection.GetDatabase().KeyExistsAsync("sess:" + sessionId));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }
}
