using StackExchange.Redis;

namespace Tessera.Redis.Tests;

public sealed class NoSynchronousRedisCallsTests
{
    [Fact]
    public void The_Redis_store_makes_no_synchronous_StackExchange_Redis_call()
    {
        var violations = SynchronousCallScanner.Scan(typeof(RedisStore).Assembly);

        Assert.Empty(violations);
    }

    [Fact]
    public void The_scan_sees_the_calls_inside_the_stores_async_methods()
    {
        var called = SynchronousCallScanner.RedisCalls(typeof(RedisStore).Assembly.GetTypes())
            .Select(call => call.Called.Name)
            .ToHashSet();

        Assert.Superset(
            new HashSet<string>
            {
                "StringGetAsync", "StringGetWithExpiryAsync", "StringSetAndGetAsync", "StringGetDeleteAsync", "KeyDeleteAsync", "KeyExpireAsync", "KeyTimeToLiveAsync",
                "ScriptEvaluateAsync", "SortedSetRangeByRankAsync", "SortedSetRemoveAsync", "ExecuteAsync", "ConnectAsync", "GetServers",
            },
            called);
    }

    [Fact]
    public void The_scan_accepts_asynchronous_calls()
    {
        Assert.Empty(SynchronousCallScanner.Scan([typeof(AsynchronousCalls)]));
    }

    [Fact]
    public void The_scan_finds_synchronous_calls()
    {
        var violations = SynchronousCallScanner.Scan([typeof(SynchronousCalls)]);

        Assert.Equal(
            [
                "StringGet", "StringSet", "KeyDelete", "KeyExpire", "ScriptEvaluate", "Keys", "Execute", "Connect",
            ],
            violations.Select(violation => violation[(violation.LastIndexOf('.') + 1)..]));
    }

    private static class SynchronousCalls
    {
        public static void Use(IDatabase database, IServer server)
        {
            database.StringGet("key");
            database.StringSet("key", "value", TimeSpan.FromSeconds(1), When.Always);
            database.KeyDelete("key");
            database.KeyExpire("key", TimeSpan.FromSeconds(1));
            database.ScriptEvaluate("return 1", ["key"], ["value"]);
            _ = server.Keys(pattern: "sess:*").ToList();
            server.Execute("SCAN", 0);
            ConnectionMultiplexer.Connect("localhost").Dispose();
        }
    }

    private static class AsynchronousCalls
    {
        public static async Task UseAsync(IDatabase database, IServer server, IConnectionMultiplexer connection)
        {
            await database.StringGetAsync("key");
            await database.KeyExpireAsync("key", TimeSpan.FromSeconds(1));
            await database.ScriptEvaluateAsync("return 1", ["key"], ["value"]);
            await foreach (var key in server.KeysAsync(pattern: "sess:*"))
            {
                _ = key;
            }

            _ = connection.GetDatabase().Database;
            await ConnectionMultiplexer.ConnectAsync("localhost");
        }
    }
}
