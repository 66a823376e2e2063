using StackExchange.Redis;
using Tessera.StoreConformance;
using Tessera.TestServers;
using Xunit.Abstractions;

namespace Tessera.Redis.Tests;

/// <summary>
/// "Log out everywhere else" over real HTTP, with two app instances each with its own store and
/// connection on one Redis, as two machines of a web farm.
/// </summary>
public sealed class RedisStoreSessionIndexGuaranteeTests(RedisServer server, ITestOutputHelper output)
    : SessionIndexGuaranteeTests(output), IClassFixture<RedisServer>, IAsyncLifetime
{
    private readonly List<ConnectionMultiplexer> _connections = [];

    public async Task InitializeAsync()
    {
        await using var admin = await ConnectionMultiplexer.ConnectAsync(server.Configuration + ",allowAdmin=true");
        await admin.GetServers()[0].FlushAllDatabasesAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }
    }

    protected override async Task<(ISessionStore First, ISessionStore Second)> CreateSharedStoresAsync()
    {
        // A prefix per pair of instances: a test may start two pairs on the one server.
        var prefix = $"sess{_connections.Count}:";
        var first = await ConnectionMultiplexer.ConnectAsync(server.Configuration);
        var second = await ConnectionMultiplexer.ConnectAsync(server.Configuration);
        _connections.Add(first);
        _connections.Add(second);
        return (new RedisStore(first, new RedisStoreOptions { KeyPrefix = prefix }), new RedisStore(second, new RedisStoreOptions { KeyPrefix = prefix }));
    }
}
