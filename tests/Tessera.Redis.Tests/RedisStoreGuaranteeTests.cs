using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using StackExchange.Redis;
using Tessera.StoreConformance;
using Tessera.TestServers;
using Xunit.Abstractions;

namespace Tessera.Redis.Tests;

/// <summary>The guarantees of parallel requests over real HTTP, with sessions in a real Redis.</summary>
public sealed class RedisStoreGuaranteeTests(RedisServer server, ITestOutputHelper output)
    : SessionGuaranteeTests(output), IClassFixture<RedisServer>, IAsyncLifetime
{
    private ConnectionMultiplexer? _connection;

    public async Task InitializeAsync() => _connection = await EmptyRedis.ConnectAsync(server);

    public Task DisposeAsync() => _connection?.DisposeAsync().AsTask() ?? Task.CompletedTask;

    protected override Task<ISessionStore> CreateStoreAsync() =>
        Task.FromResult<ISessionStore>(new RedisStore(_connection!));

    [Fact]
    public async Task Two_instances_of_an_app_sharing_Redis_keep_every_key_of_parallel_requests_to_one_session()
    {
        // Two processes of a web farm: each its own store and connection, one Redis between them.
        await using var otherConnection = await ConnectionMultiplexer.ConnectAsync(server.Configuration);
        await AssertTwoInstancesKeepEveryKeyAsync(new RedisStore(_connection!), new RedisStore(otherConnection));
    }
}
