using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Tessera.Sqlite.Tests;

public sealed class SqliteStoreStartupTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Delete();

    private static WebApplication Build(Action<TesseraBuilder> store)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        store(builder.Services.AddTessera(o => o.Secrets = ["keyboard cat"]));
        var app = builder.Build();
        app.UseTessera();
        app.MapGet("/", () => "ok");
        return app;
    }

    [Fact]
    public async Task A_path_under_a_file_fails_start_up_with_a_message_naming_SqliteStore_and_the_path()
    {
        var blocker = _folder.File("not-a-folder");
        await File.WriteAllTextAsync(blocker, "a file, not a folder");
        var path = Path.Combine(blocker, "sessions.db");
        await using var app = Build(tessera => tessera.AddSqliteStore(path));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => app.StartAsync());

        Assert.StartsWith("SqliteStore ", error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_connection_string_that_cannot_be_opened_fails_start_up_naming_the_file_and_not_the_password()
    {
        var path = Path.Combine(_folder.File("not-a-folder"), "sessions.db");
        await File.WriteAllTextAsync(_folder.File("not-a-folder"), "a file, not a folder");
        await using var app = Build(tessera => tessera.AddSqliteStore(path, o =>
        {
            o.Path = null;
            o.ConnectionString = $"Data Source={path};Password=secret";
        }));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => app.StartAsync());

        Assert.StartsWith("SqliteStore ", error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", error.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_usable_path_gets_its_file_and_schema_when_the_application_starts_before_any_request()
    {
        var path = Path.Combine(_folder.Path, "new-folder", "sessions.db");
        await using var app = Build(tessera => tessera.AddSqliteStore(path));

        await app.StartAsync();

        Assert.True(File.Exists(path));
        await app.StopAsync();
    }

    [Fact]
    public async Task Another_store_replacing_it_is_not_opened_at_start_up()
    {
        var path = Path.Combine(_folder.File("not-a-folder"), "sessions.db");
        await File.WriteAllTextAsync(_folder.File("not-a-folder"), "a file, not a folder");
        await using var app = Build(tessera => tessera.AddSqliteStore(path).UseStore(new MemoryStore()));

        await app.StartAsync();
        await app.StopAsync();
    }
}
