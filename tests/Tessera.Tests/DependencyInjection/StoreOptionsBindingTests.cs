using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Tessera.Tests.DependencyInjection;

/// <summary>
/// The memory store's options come from the <c>Tessera:Memory</c> configuration section, then
/// from the caller's delegate, and are validated when the application starts.
/// </summary>
public sealed class StoreOptionsBindingTests
{
    private static async Task<WebApplication> StartAsync(Dictionary<string, string?> settings, Action<TesseraBuilder>? store = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(settings);
        var tessera = builder.Services.AddTessera(o => o.Secrets = ["keyboard cat"]);
        store?.Invoke(tessera);
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
    public async Task The_memory_section_in_configuration_reaches_the_default_store()
    {
        await using var app = await StartAsync(new() { ["Tessera:Memory:MaxSessions"] = "1" });
        var store = Assert.IsType<MemoryStore>(app.Services.GetRequiredService<ISessionStore>());

        await store.SetAsync("a", new SessionData(new SessionCookie { MaxAge = TimeSpan.FromMinutes(1) }));
        await store.SetAsync("b", new SessionData(new SessionCookie { MaxAge = TimeSpan.FromMinutes(2) }));

        Assert.Equal(1, app.Services.GetRequiredService<IOptions<MemoryStoreOptions>>().Value.MaxSessions);
        Assert.Equal(1, await store.CountAsync());
    }

    [Fact]
    public async Task The_delegate_of_AddMemoryStore_has_the_last_word_over_the_section()
    {
        await using var app = await StartAsync(
            new() { ["Tessera:Memory:MaxSessions"] = "1", ["Tessera:Memory:DefaultLifetime"] = "02:00:00" },
            tessera => tessera.AddMemoryStore(o => o.MaxSessions = 5));

        var options = app.Services.GetRequiredService<IOptions<MemoryStoreOptions>>().Value;
        Assert.Equal(5, options.MaxSessions);
        Assert.Equal(TimeSpan.FromHours(2), options.DefaultLifetime);
        Assert.IsType<MemoryStore>(app.Services.GetRequiredService<ISessionStore>());
    }

    [Fact]
    public async Task Invalid_memory_store_options_fail_start_up_with_a_message_naming_the_option()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(new() { ["Tessera:Memory:MaxSessions"] = "0" }));

        Assert.Contains("MemoryStoreOptions", error.Message, StringComparison.Ordinal);
        Assert.Contains("MaxSessions", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_options_given_to_AddMemoryStore_fail_start_up_too()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync([], tessera => tessera.AddMemoryStore(o => o.DefaultLifetime = TimeSpan.Zero)));

        Assert.Contains("MemoryStoreOptions.DefaultLifetime", error.Message, StringComparison.Ordinal);
    }
}
