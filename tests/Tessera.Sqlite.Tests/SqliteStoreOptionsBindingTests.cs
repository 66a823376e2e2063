using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Tessera.Sqlite.Tests;

/// <summary>The store's options come from the <c>Tessera:Sqlite</c> section, then the delegate, and are validated at start-up.</summary>
public sealed class SqliteStoreOptionsBindingTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Delete();

    private static async Task<WebApplication> StartAsync(Dictionary<string, string?> settings, Action<SqliteStoreOptions>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddTessera(o => o.Secrets = ["keyboard cat"]).AddSqliteStore(configure);
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
        var path = _folder.File("from-configuration.db");
        await using var app = await StartAsync(new() { ["Tessera:Sqlite:Path"] = path });

        var store = Assert.IsType<SqliteStore>(app.Services.GetRequiredService<ISessionStore>());

        Assert.Equal(path, store.DataSource);
        Assert.True(File.Exists(path));
    }

    [Fact]
    public async Task The_delegate_has_the_last_word_over_the_section()
    {
        await using var app = await StartAsync(
            new() { ["Tessera:Sqlite:Path"] = _folder.File("a.db"), ["Tessera:Sqlite:PurgeBatchSize"] = "7" },
            o => o.PurgeBatchSize = 9);

        Assert.Equal(9, app.Services.GetRequiredService<IOptions<SqliteStoreOptions>>().Value.PurgeBatchSize);
    }

    [Fact]
    public async Task Invalid_options_fail_start_up_with_a_message_naming_the_option()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(new()
        {
            ["Tessera:Sqlite:Path"] = _folder.File("b.db"),
            ["Tessera:Sqlite:PurgeBatchSize"] = "0",
        }));

        Assert.Contains("SqliteStoreOptions.PurgeBatchSize", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Options_without_a_path_fail_start_up_saying_what_is_missing()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync([]));

        Assert.Contains("SqliteStoreOptions.Path", error.Message, StringComparison.Ordinal);
    }
}
