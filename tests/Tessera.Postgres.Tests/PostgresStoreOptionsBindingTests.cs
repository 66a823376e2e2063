using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tessera.TestServers;

namespace Tessera.Postgres.Tests;

/// <summary>The store's options come from the <c>Tessera:Postgres</c> section, then the delegate, and are validated at start-up.</summary>
[Collection(SharedPostgresServer.Name)]
public sealed class PostgresStoreOptionsBindingTests(PostgresServer server) : IAsyncLifetime
{
    private readonly TemporaryPostgresStores _stores = new(server);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _stores.DeleteAsync();

    private static async Task<WebApplication> StartAsync(Dictionary<string, string?> settings, Action<PostgresStoreOptions>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddTessera(o => o.Secrets = ["keyboard cat"]).AddPostgresStore(configure);
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
        var table = _stores.NewTable();
        await using var app = await StartAsync(new()
        {
            ["Tessera:Postgres:ConnectionString"] = _stores.ConnectionString,
            ["Tessera:Postgres:TableName"] = table,
            ["Tessera:Postgres:DisableTouch"] = "true",
        });

        var store = Assert.IsType<PostgresStore>(app.Services.GetRequiredService<ISessionStore>());

        Assert.Equal($"\"{table}\"", store.Table);
        Assert.True(app.Services.GetRequiredService<IOptions<PostgresStoreOptions>>().Value.DisableTouch);
        Assert.Equal(0, await store.CountAsync());
    }

    [Fact]
    public async Task The_delegate_has_the_last_word_over_the_section()
    {
        var table = _stores.NewTable();
        await using var app = await StartAsync(
            new()
            {
                ["Tessera:Postgres:ConnectionString"] = _stores.ConnectionString,
                ["Tessera:Postgres:TableName"] = "not_this_one",
                ["Tessera:Postgres:PurgeInterval"] = "00:07:00",
            },
            o =>
            {
                o.TableName = table;
                o.PurgeInterval = TimeSpan.FromMinutes(9);
            });

        var store = Assert.IsType<PostgresStore>(app.Services.GetRequiredService<ISessionStore>());

        Assert.Equal($"\"{table}\"", store.Table);
        Assert.Equal(TimeSpan.FromMinutes(9), app.Services.GetRequiredService<IOptions<PostgresStoreOptions>>().Value.PurgeInterval);
    }

    [Fact]
    public async Task Invalid_options_fail_start_up_with_a_message_naming_the_option()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(new()
        {
            ["Tessera:Postgres:ConnectionString"] = _stores.ConnectionString,
            ["Tessera:Postgres:DefaultLifetime"] = "00:00:00",
        }));

        Assert.Contains("PostgresStoreOptions.DefaultLifetime", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_connection_string_that_does_not_parse_fails_start_up_naming_the_option_but_not_the_password()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(new()
        {
            ["Tessera:Postgres:ConnectionString"] = "Host=127.0.0.1;Password=hunter2;NoSuchKeyword=1",
        }));

        Assert.Contains("PostgresStoreOptions.ConnectionString", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
    }
}
