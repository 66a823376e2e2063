using StackExchange.Redis;
using Tessera.TestServers;

namespace Tessera.Redis.Tests;

/// <summary>A connection to a test's Redis server with every database emptied first, so each test class starts clean.</summary>
internal static class EmptyRedis
{
    public static async Task<ConnectionMultiplexer> ConnectAsync(RedisServer server)
    {
        var connection = await ConnectionMultiplexer.ConnectAsync(server.Configuration + ",allowAdmin=true");
        await connection.GetServers()[0].FlushAllDatabasesAsync();
        return connection;
    }
}
