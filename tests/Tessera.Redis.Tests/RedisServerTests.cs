using StackExchange.Redis;
using Tessera.TestServers;

namespace Tessera.Redis.Tests;

public sealed class RedisServerTests
{
    [Fact]
    public async Task A_missing_redis_server_fails_with_a_message_saying_how_to_install_it()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => RedisServer.StartNewAsync("redis-server-not-installed"));

        Assert.Contains("is not installed", error.Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install -y redis-server", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_server_answers_and_can_be_restarted_on_its_port()
    {
        await using var server = await RedisServer.StartNewAsync();
        var port = server.Port;
        Assert.True(server.IsRunning);

        await server.StopAsync();
        Assert.False(server.IsRunning);
        using (var client = new System.Net.Sockets.TcpClient())
        {
            await Assert.ThrowsAsync<System.Net.Sockets.SocketException>(() => client.ConnectAsync(System.Net.IPAddress.Loopback, port));
        }

        await server.StartAsync();

        Assert.Equal(port, server.Port);
        await using var connection = await ConnectionMultiplexer.ConnectAsync(server.Configuration);
        await connection.GetDatabase().StringSetAsync("key", "value");
        Assert.Equal("value", (string?)await connection.GetDatabase().StringGetAsync("key"));
    }

    [Fact]
    public async Task A_persistent_server_keeps_every_acknowledged_write_across_a_kill_and_a_restart()
    {
        string folder;
        await using (var server = await RedisServer.StartPersistentAsync())
        {
            folder = server.DataDirectory!;
            Assert.True(Directory.Exists(folder));
            await using (var connection = await ConnectionMultiplexer.ConnectAsync(server.Configuration))
            {
                await connection.GetDatabase().StringSetAsync("key", "value");
            }

            await server.StopAsync(); // a kill, as a crash: nothing is flushed at exit
            await server.StartAsync();

            await using var reconnected = await ConnectionMultiplexer.ConnectAsync(server.Configuration);
            Assert.Equal("value", (string?)await reconnected.GetDatabase().StringGetAsync("key"));
        }

        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public async Task A_server_that_does_not_persist_loses_its_data_at_a_restart()
    {
        await using var server = await RedisServer.StartNewAsync();
        Assert.Null(server.DataDirectory);
        await using (var connection = await ConnectionMultiplexer.ConnectAsync(server.Configuration))
        {
            await connection.GetDatabase().StringSetAsync("key", "value");
        }

        await server.StopAsync();
        await server.StartAsync();

        await using var reconnected = await ConnectionMultiplexer.ConnectAsync(server.Configuration);
        Assert.False(await reconnected.GetDatabase().KeyExistsAsync("key"));
    }
}
