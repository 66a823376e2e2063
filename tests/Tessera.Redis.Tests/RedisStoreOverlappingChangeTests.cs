using StackExchange.Redis;
using Tessera.StoreConformance;
using Tessera.Testing;

namespace Tessera.Redis.Tests;

/// <summary>Overlapping requests over real HTTP with sessions in a real Redis: changes made while another request to the session is in flight.</summary>
public sealed class RedisStoreOverlappingChangeTests(RedisServer server) : OverlappingChangeTests, IClassFixture<RedisServer>, IAsyncLifetime
{
    private ConnectionMultiplexer? _connection;

    public async Task InitializeAsync()
    {
        _connection = await ConnectionMultiplexer.ConnectAsync(server.Configuration + ",allowAdmin=true");
        await _connection.GetServers()[0].FlushAllDatabasesAsync();
    }

    public async Task DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }

    protected override Task<ISessionStore> CreateStoreAsync() =>
        Task.FromResult<ISessionStore>(new RedisStore(_connection!));
}
