using StackExchange.Redis;
using Tessera.StoreConformance;
using Tessera.TestServers;

namespace Tessera.Redis.Tests;

/// <summary>Overlapping requests over real HTTP with sessions in a real Redis: where the grace period of a renewed ID stops, hashed IDs, and renewals after the response started.</summary>
public sealed class RedisStoreOverlapRenewalBoundaryTests(RedisServer server) : OverlapRenewalBoundaryTests, IClassFixture<RedisServer>, IAsyncLifetime
{
    private ConnectionMultiplexer? _connection;

    public async Task InitializeAsync() => _connection = await EmptyRedis.ConnectAsync(server);

    public Task DisposeAsync() => _connection?.DisposeAsync().AsTask() ?? Task.CompletedTask;

    protected override Task<ISessionStore> CreateStoreAsync() =>
        Task.FromResult<ISessionStore>(new RedisStore(_connection!));
}
