using StackExchange.Redis;
using Tessera.StoreConformance;
using Tessera.TestServers;

namespace Tessera.Redis.Tests;

/// <summary>Overlapping requests over real HTTP with sessions in a real Redis: changes made while another request to the session is in flight.</summary>
public sealed class RedisStoreOverlappingChangeTests(RedisServer server) : OverlappingChangeTests, IClassFixture<RedisServer>, IAsyncLifetime
{
    private ConnectionMultiplexer? _connection;

    public async Task InitializeAsync() => _connection = await EmptyRedis.ConnectAsync(server);

    public Task DisposeAsync() => _connection?.DisposeAsync().AsTask() ?? Task.CompletedTask;

    protected override Task<ISessionStore> CreateStoreAsync() =>
        Task.FromResult<ISessionStore>(new RedisStore(_connection!));
}
