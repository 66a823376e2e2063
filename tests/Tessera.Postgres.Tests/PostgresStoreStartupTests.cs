using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Npgsql;
using Tessera.TestServers;

namespace Tessera.Postgres.Tests;

/// <summary>The store in an application: registration, the start-up check, the health check and a server that cannot be reached.</summary>
[Collection(SharedPostgresServer.Name)]
public sealed class PostgresStoreStartupTests(PostgresServer server)
{
    private string ConnectionString => server.ConnectionString(server.SharedDatabase);

    private static WebApplication Build(Action<TesseraBuilder> store, Action<TesseraOptions>? configure = null, Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        services?.Invoke(builder.Services);
        builder.Services.AddHealthChecks().AddTesseraStoreCheck();
        store(builder.Services.AddTessera(o =>
        {
            o.Secrets = ["keyboard cat"];
            configure?.Invoke(o);
        }));
        var app = builder.Build();
        app.UseTessera();
        app.MapGet("/", (Session session) =>
        {
            session.Set("views", session.Get<int>("views") + 1);
            return "ok";
        });
        return app;
    }

    [Fact]
    public async Task A_server_that_cannot_be_reached_fails_start_up_with_a_message_naming_PostgresStore_the_server_and_the_database_but_not_the_password()
    {
        var port = PostgresStoreTests.ClosedPort();
        await using var app = Build(tessera => tessera.AddPostgresStore($"Host=127.0.0.1;Port={port};Database=shop;Username=app;Password=hunter2;Timeout=2"));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => app.StartAsync());

        Assert.StartsWith($"PostgresStore (table \"session\" in 127.0.0.1:{port}/shop) cannot be used:", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_usable_database_gets_its_table_when_the_application_starts_before_any_request()
    {
        var table = "startup_" + Guid.NewGuid().ToString("N");
        await using var app = Build(tessera => tessera.AddPostgresStore(ConnectionString, o => o.TableName = table));

        await app.StartAsync();

        await using var dataSource = NpgsqlDataSource.Create(ConnectionString);
        await using var command = dataSource.CreateCommand($"SELECT to_regclass('\"{table}\"') IS NOT NULL AND to_regclass('\"{table}_tessera_user\"') IS NOT NULL");
        Assert.True((bool)(await command.ExecuteScalarAsync())!);
        await app.StopAsync();
        await using var drop = dataSource.CreateCommand($"DROP TABLE \"{table}\" CASCADE; DROP TABLE \"{table}_tessera_user\"");
        await drop.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task Another_store_replacing_it_is_not_opened_at_start_up()
    {
        await using var app = Build(tessera => tessera
            .AddPostgresStore($"Host=127.0.0.1;Port={PostgresStoreTests.ClosedPort()};Database=shop;Username=app;Timeout=2")
            .UseStore(new MemoryStore()));

        await app.StartAsync();
        await app.StopAsync();
    }

    [Fact]
    public async Task Without_a_connection_string_the_store_uses_the_NpgsqlDataSource_of_the_applications_services()
    {
        var table = "datasource_" + Guid.NewGuid().ToString("N");
        await using var dataSource = NpgsqlDataSource.Create(ConnectionString);
        await using var app = Build(tessera => tessera.AddPostgresStore(o => o.TableName = table), services: s => s.AddSingleton(dataSource));
        await app.StartAsync();
        var client = app.GetTestClient();

        using var response = await client.GetAsync(new Uri("/", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.IsType<PostgresStore>(app.Services.GetRequiredService<ISessionStore>());
        await using var count = dataSource.CreateCommand($"SELECT count(*) FROM \"{table}\"");
        Assert.Equal(1L, await count.ExecuteScalarAsync());
        await app.StopAsync();
        await using var drop = dataSource.CreateCommand($"DROP TABLE \"{table}\" CASCADE; DROP TABLE \"{table}_tessera_user\"");
        await drop.ExecuteNonQueryAsync();
    }

    [Fact]
    public void Without_a_connection_string_or_a_registered_data_source_resolving_the_store_says_what_to_do()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Build(tessera => tessera.AddPostgresStore(_ => { })).Services.GetRequiredService<ISessionStore>());

        Assert.Contains("no NpgsqlDataSource", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task While_the_server_cannot_be_reached_requests_get_the_StoreFailure_behaviour_and_the_health_check_is_unhealthy()
    {
        var port = PostgresStoreTests.ClosedPort();
        await using var store = new PostgresStore(new PostgresStoreOptions { ConnectionString = $"Host=127.0.0.1;Port={port};Database=shop;Username=app;Timeout=2" });
        await using var app = Build(tessera => tessera.UseStore(store), o => o.StoreFailure = StoreFailure.ServiceUnavailable);
        await app.StartAsync();
        var client = app.GetTestClient();

        // A cookie for a session to load: the load is the store call that fails.
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/", UriKind.Relative));
        request.Headers.Add("Cookie", "connect.sid=" + Uri.EscapeDataString(SignedId("abcdefghijklmnopqrstuvwxyz012345")));
        using var response = await client.SendAsync(request);
        var health = await app.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(HealthStatus.Unhealthy, health.Status);
        Assert.Contains($"127.0.0.1:{port}/shop", health.Entries["tessera-store"].Description, StringComparison.Ordinal);
        await app.StopAsync();
    }

    // express-session's signed cookie value for an ID, with the test's secret.
    private static string SignedId(string id)
    {
        var signature = System.Security.Cryptography.HMACSHA256.HashData("keyboard cat"u8, System.Text.Encoding.UTF8.GetBytes(id));
        return "s:" + id + "." + Convert.ToBase64String(signature).TrimEnd('=');
    }

    [Fact]
    public async Task With_the_server_up_the_health_check_is_healthy()
    {
        var table = "health_" + Guid.NewGuid().ToString("N");
        await using var app = Build(tessera => tessera.AddPostgresStore(ConnectionString, o => o.TableName = table));
        await app.StartAsync();

        var health = await app.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        Assert.Equal(HealthStatus.Healthy, health.Status);
        await app.StopAsync();
        await using var dataSource = NpgsqlDataSource.Create(ConnectionString);
        await using var drop = dataSource.CreateCommand($"DROP TABLE \"{table}\" CASCADE; DROP TABLE \"{table}_tessera_user\"");
        await drop.ExecuteNonQueryAsync();
    }
}
