using StackExchange.Redis;
using Tessera.Testing;

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
}
