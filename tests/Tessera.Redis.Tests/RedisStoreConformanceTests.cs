using StackExchange.Redis;
using Tessera.StoreConformance;
using Tessera.Testing;

namespace Tessera.Redis.Tests;

/// <summary>
/// The store conformance suite against a real Redis. Redis expires keys on its own clock, which
/// the tests' fake clock cannot move, so expiry is checked as the TTL the store gave the key
/// (read back with the server's TTL command), not by waiting for it.
/// </summary>
public sealed class RedisStoreConformanceTests(RedisServer server) : SessionStoreConformanceTests, IClassFixture<RedisServer>
{
    private ConnectionMultiplexer? _connection;

    protected override async Task<IEnumerableSessionStore> CreateStoreAsync(TimeProvider timeProvider)
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

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }
}
