using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Tessera;
using Tessera.TestServers;

namespace ViewCounter.Tests;

/// <summary>The sample's Tessera:Store setting: SQLite by default, memory, Redis or PostgreSQL on request.</summary>
public sealed partial class StoreSelectionTests
{
    [Fact]
    public async Task The_default_store_is_the_SQLite_file_that_Tessera_SqlitePath_names()
    {
        await using var factory = new ViewCounterFactory();

        Assert.IsType<SqliteStore>(factory.Services.GetRequiredService<ISessionStore>());
        using var client = factory.CreateClient();
        Assert.Equal(1, await ViewsAsync(client, null));
        Assert.True(File.Exists(factory.SqlitePath), $"{factory.SqlitePath} was not created.");
    }

    [Fact]
    public async Task Store_memory_keeps_sessions_in_the_memory_store()
    {
        await using var parent = new ViewCounterFactory();
        await using var factory = parent.WithWebHostBuilder(b => b.UseSetting("Tessera:Store", "memory"));

        Assert.IsType<MemoryStore>(factory.Services.GetRequiredService<ISessionStore>());
        using var client = factory.CreateClient();
        Assert.Equal(1, await ViewsAsync(client, null));
        Assert.False(File.Exists(parent.SqlitePath), "The memory store wrote a SQLite file.");
    }

    [Fact]
    public async Task Store_redis_with_a_configuration_keeps_sessions_in_the_Redis_store()
    {
        await using var parent = new ViewCounterFactory();
        await using var factory = parent.WithWebHostBuilder(b => b.UseSetting("Tessera:Store", "redis:127.0.0.1:1,abortConnect=false"));

        Assert.IsType<RedisStore>(factory.Services.GetRequiredService<ISessionStore>());
    }

    [Fact]
    public async Task Store_postgres_with_a_connection_string_keeps_counts_in_a_real_PostgreSQL()
    {
        await using var server = new PostgresServer();
        await server.StartAsync();
        await using var parent = new ViewCounterFactory();
        await using var factory = parent.WithWebHostBuilder(b => b.UseSetting("Tessera:Store", "postgres:" + server.ConnectionString(server.SharedDatabase)));

        Assert.IsType<PostgresStore>(factory.Services.GetRequiredService<ISessionStore>());
        using var client = factory.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false });
        using var response = await client.GetAsync("/");
        var cookie = response.Headers.GetValues("Set-Cookie").Single().Split(';')[0];
        Assert.Equal(2, await ViewsAsync(client, cookie));
        Assert.Equal(3, await ViewsAsync(client, cookie));
        Assert.False(File.Exists(parent.SqlitePath), "The PostgreSQL store wrote a SQLite file.");
    }

    [Theory]
    [InlineData("bogus", "'bogus', which is not a store")]
    [InlineData("redis:", "'redis:' without a configuration")]
    [InlineData("postgres:", "'postgres:' without a connection string")]
    public async Task An_unknown_store_fails_start_up_with_a_message_that_names_the_setting(string store, string message)
    {
        await using var parent = new ViewCounterFactory();
        await using var factory = parent.WithWebHostBuilder(b => b.UseSetting("Tessera:Store", store));

        var error = Assert.Throws<InvalidOperationException>(() => factory.Services);

        Assert.Contains("Tessera:Store is " + message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Counts_in_the_default_store_survive_a_restart()
    {
        await using var parent = new ViewCounterFactory();
        string cookie;
        await using (var first = parent.WithWebHostBuilder(_ => { }))
        {
            using var client = first.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false });
            using var response = await client.GetAsync("/");
            cookie = response.Headers.GetValues("Set-Cookie").Single().Split(';')[0];
            Assert.Equal(2, await ViewsAsync(client, cookie));
        }

        await using var second = parent.WithWebHostBuilder(_ => { });
        using var restarted = second.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false });

        Assert.Equal(3, await ViewsAsync(restarted, cookie));
    }

    private static async Task<int> ViewsAsync(HttpClient client, string? cookie)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var match = ViewsPattern().Match(await response.Content.ReadAsStringAsync());
        Assert.True(match.Success, "The page shows no view count.");
        return int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    [GeneratedRegex("id=\"views\">(\\d+)<")]
    private static partial Regex ViewsPattern();
}
