using StackExchange.Redis;
using Tessera.TestServers;

namespace Tessera.Authentication.Tests;

/// <summary>Cookie authentication's tickets in a <see cref="RedisStore"/> on a real redis-server, emptied before each test.</summary>
public sealed class RedisStoreTicketStoreTests(RedisServer server) : UserIndexTicketStoreTests, IClassFixture<RedisServer>
{
    protected override void AddStore(TesseraBuilder tessera) => tessera.AddRedisStore(server.Configuration);

    public override async Task InitializeAsync()
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(server.Configuration + ",allowAdmin=true");
        await connection.GetServers()[0].FlushAllDatabasesAsync();
    }
}
