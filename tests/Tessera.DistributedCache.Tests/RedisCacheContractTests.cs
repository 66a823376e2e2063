using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using StackExchange.Redis;
using Tessera.Testing;
using Tessera.TestServers;

namespace Tessera.DistributedCache.Tests;

/// <summary>
/// The store kit's contract on <see cref="DistributedCacheStore"/> over
/// Microsoft.Extensions.Caching.StackExchangeRedis's <see cref="RedisCache"/> on a real Redis.
/// Redis expires keys on its own clock, which the tests' fake clock cannot move, so expiry is
/// checked as the TTL the cache gave the key, and a session is ended by expiring its key on the server.
/// </summary>
public sealed class RedisCacheContractTests(RedisServer server) : SessionStoreContractTests<DistributedCacheStore>, IClassFixture<RedisServer>
{
    private const string InstanceName = "conformance:";
    private ConnectionMultiplexer? _connection;
    private IDistributedCache? _cache;

    protected override async Task<DistributedCacheStore> CreateStoreAsync(TimeProvider timeProvider)
    {
        _connection = await ConnectionMultiplexer.ConnectAsync(server.Configuration + ",allowAdmin=true");
        await _connection.GetServers()[0].FlushAllDatabasesAsync();
        _cache = new RedisCache(new RedisCacheOptions { Configuration = server.Configuration, InstanceName = InstanceName });
        return new DistributedCacheStore(_cache, timeProvider: timeProvider);
    }

    protected override async Task AssertExpiresAfterAsync(string key, TimeSpan lifetime)
    {
        var ttl = await _connection!.GetDatabase().KeyTimeToLiveAsync(InstanceName + "sess:" + key);

        // RedisCache gives the key a TTL of the whole seconds the entry has left.
        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value.TotalMilliseconds, (Math.Floor(lifetime.TotalSeconds) * 1000) - 1000 + 1, Math.Floor(lifetime.TotalSeconds) * 1000);
    }

    protected override async Task ExpireAsync(string key, TimeSpan lifetime)
    {
        await AssertExpiresAfterAsync(key, lifetime);
        Time.Advance(lifetime);

        // An expiry time already past: Redis drops the key, as it would have at the end of its TTL.
        var cacheKey = InstanceName + "sess:" + key;
        Assert.True(await _connection!.GetDatabase().KeyExpireAsync(cacheKey, DateTime.UtcNow.AddMinutes(-1)));
        Assert.False(await _connection.GetDatabase().KeyExistsAsync(cacheKey));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        (_cache as IDisposable)?.Dispose();
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }
}
