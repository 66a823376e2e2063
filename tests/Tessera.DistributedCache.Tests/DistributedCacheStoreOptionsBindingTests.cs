using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Tessera.DistributedCache.Tests;

/// <summary>The store's options come from the <c>Tessera:DistributedCache</c> section, then the delegate, and are validated at start-up.</summary>
public sealed class DistributedCacheStoreOptionsBindingTests
{
    private static async Task<WebApplication> StartAsync(Dictionary<string, string?> settings, Action<DistributedCacheStoreOptions>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddDistributedMemoryCache();
        builder.Services.AddTessera(o => o.Secrets = ["keyboard cat"]).AddDistributedCacheStore(configure);
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
        await using var app = await StartAsync(new() { ["Tessera:DistributedCache:KeyPrefix"] = "cfg:" });
        var store = app.Services.GetRequiredService<ISessionStore>();

        await store.SetAsync("abc", new SessionData(new SessionCookie { MaxAge = TimeSpan.FromMinutes(1) }));

        Assert.NotNull(await app.Services.GetRequiredService<IDistributedCache>().GetAsync("cfg:abc"));
    }

    [Fact]
    public async Task The_delegate_has_the_last_word_over_the_section()
    {
        await using var app = await StartAsync(new() { ["Tessera:DistributedCache:KeyPrefix"] = "cfg:" }, o => o.KeyPrefix = "code:");
        var store = app.Services.GetRequiredService<ISessionStore>();

        await store.SetAsync("abc", new SessionData(new SessionCookie { MaxAge = TimeSpan.FromMinutes(1) }));

        Assert.NotNull(await app.Services.GetRequiredService<IDistributedCache>().GetAsync("code:abc"));
    }

    [Fact]
    public async Task Invalid_options_fail_start_up_with_a_message_naming_the_option()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(new() { ["Tessera:DistributedCache:DefaultLifetime"] = "-00:00:01" }));

        Assert.Contains("DistributedCacheStoreOptions.DefaultLifetime", error.Message, StringComparison.Ordinal);
    }
}
