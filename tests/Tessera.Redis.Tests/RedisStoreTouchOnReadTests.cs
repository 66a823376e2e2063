using Tessera.Testing;
using Tessera.TestServers;

namespace Tessera.Redis.Tests;

/// <summary>The store kit's TouchOnReadTests on a real Redis (<c>GETEX</c>); expiry is checked as the TTL the store gave the key.</summary>
public sealed class RedisStoreTouchOnReadTests(RedisServer server) : TouchOnReadTests<RedisStore>, IClassFixture<RedisServer>
{
    private readonly RedisKitServer _redis = new(server);

    protected override Task<RedisStore> CreateStoreAsync(TimeProvider timeProvider) => _redis.CreateStoreAsync(timeProvider);

    protected override Task AssertExpiresAfterAsync(string key, TimeSpan lifetime) => _redis.AssertExpiresAfterAsync(key, lifetime);

    protected override async Task ExpireAsync(string key, TimeSpan lifetime)
    {
        await _redis.ExpireAsync(key, lifetime);
        Time.Advance(lifetime);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _redis.CloseAsync();
    }
}
