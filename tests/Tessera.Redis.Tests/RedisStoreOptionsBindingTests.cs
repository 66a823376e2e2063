using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Tessera.TestServers;

namespace Tessera.Redis.Tests;

/// <summary>The store's options come from the <c>Tessera:Redis</c> section, then the delegate, and are validated at start-up.</summary>
public sealed class RedisStoreOptionsBindingTests(RedisServer server) : IClassFixture<RedisServer>
{
    private static async Task<WebApplication> StartAsync(Dictionary<string, string?> settings, Action<RedisStoreOptions>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddTessera(o => o.Secrets = ["keyboard cat"]).AddRedisStore(configure);
        var app = builder.Build();
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return app;
    }

    [Fact]
    public async Task The_section_in_configuration_reaches_the_store()
    {
        await using var app = await StartAsync(new()
        {
            ["Tessera:Redis:Configuration"] = server.Configuration,
            ["Tessera:Redis:KeyPrefix"] = "cfg:",
            ["Tessera:Redis:DefaultLifetime"] = "02:00:00",
        });
        var store = Assert.IsType<RedisStore>(app.Services.GetRequiredService<ISessionStore>());

        await store.SetAsync("binding", new SessionData());

        await using var connection = await ConnectionMultiplexer.ConnectAsync(server.Configuration);
        RedisAssert.TtlIs(7_200, (await connection.GetDatabase().KeyTimeToLiveAsync("cfg:binding"))!.Value);
    }

    [Fact]
    public async Task The_delegate_has_the_last_word_over_the_section()
    {
        await using var app = await StartAsync(
            new() { ["Tessera:Redis:Configuration"] = server.Configuration, ["Tessera:Redis:KeyPrefix"] = "cfg:" },
            o => o.KeyPrefix = "code:");

        Assert.Equal("code:", app.Services.GetRequiredService<IOptions<RedisStoreOptions>>().Value.KeyPrefix);
    }

    [Fact]
    public async Task Invalid_options_fail_start_up_with_a_message_naming_the_option()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(new()
        {
            ["Tessera:Redis:Configuration"] = server.Configuration,
            ["Tessera:Redis:DefaultLifetime"] = "00:00:00.500",
        }));

        Assert.Contains("RedisStoreOptions.DefaultLifetime", error.Message, StringComparison.Ordinal);
    }
}
