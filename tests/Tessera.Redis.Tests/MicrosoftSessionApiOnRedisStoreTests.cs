using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Tessera.StoreConformance;
using Tessera.TestServers;
using Tessera.Testing;

namespace Tessera.Redis.Tests;

/// <summary>The Microsoft session API tests, unchanged, on Tessera with the Redis store.</summary>
public sealed class MicrosoftSessionApiOnRedisStoreTests(RedisServer server) : MicrosoftSessionApiTests, IClassFixture<RedisServer>, IAsyncLifetime
{
    public async Task InitializeAsync()
    {
        await using var admin = await ConnectionMultiplexer.ConnectAsync(server.Configuration + ",allowAdmin=true");
        await admin.GetServers()[0].FlushAllDatabasesAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    protected override void AddSession(IServiceCollection services) =>
        services.AddTessera(o => o.Secrets = ["keyboard cat"]).AddRedisStore(server.Configuration);

    protected override void UseSession(IApplicationBuilder app) => app.UseTessera();
}
