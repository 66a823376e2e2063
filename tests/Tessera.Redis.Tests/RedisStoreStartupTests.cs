using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

using Tessera.StoreConformance;

namespace Tessera.Redis.Tests;

/// <summary>An application whose Redis cannot be reached: a free port nothing listens on.</summary>
public sealed class RedisStoreStartupTests
{
    private const int UnreachableAtStartup = 106;

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static (WebApplication App, LogCapture Logs) Build(string configuration, Action<TesseraOptions>? configure = null)
    {
        var logs = new LogCapture();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Services.AddHealthChecks().AddTesseraStoreCheck();
        builder.Services.AddTessera(o =>
        {
            o.Secrets = ["keyboard cat"];
            o.StoreTimeout = TimeSpan.FromSeconds(2);
            configure?.Invoke(o);
        }).AddRedisStore(configuration);
        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (Exception ex) when (ex is SessionStoreException or InvalidOperationException)
            {
                // A failed call (SessionStoreException) or, once the store says it is not ready,
                // GetSession's "no session" (InvalidOperationException): both name the store.
                context.Response.StatusCode = 500;
                await context.Response.WriteAsync(ex.Message);
            }
        });
        app.UseTessera();
        app.MapGet("/", (HttpContext context) =>
        {
            context.GetSession().Set("n", 1);
            return "ok";
        });
        return (app, logs);
    }

    [Fact]
    public async Task An_unreachable_Redis_starts_with_a_warning_naming_RedisStore_and_the_endpoint_but_not_the_password()
    {
        var port = FreePort();
        var (app, logs) = Build($"127.0.0.1:{port},password=secret");
        await using var _ = app;

        await app.StartAsync();

        var warning = Assert.Single(logs.Entries, e => e.EventId.Id == UnreachableAtStartup);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Equal("Tessera.RedisStore", warning.Category);
        Assert.Contains("RedisStore", warning.Message, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{port}", warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(logs.Entries, e => e.Message.Contains("secret", StringComparison.Ordinal));
        await app.StopAsync();
    }

    [Fact]
    public async Task While_Redis_is_unreachable_the_health_check_reports_the_store_unhealthy_naming_the_endpoint()
    {
        var port = FreePort();
        var (app, _) = Build($"127.0.0.1:{port},password=secret");
        await using var __ = app;
        await app.StartAsync();

        var report = await app.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        var entry = Assert.Single(report.Entries).Value;
        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Contains($"RedisStore (Redis at 127.0.0.1:{port})", entry.Description, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", entry.Description, StringComparison.Ordinal);
        await app.StopAsync();
    }

    [Fact]
    public async Task A_request_while_Redis_is_unreachable_fails_with_a_message_naming_Redis_and_the_endpoint_and_not_the_session_ID()
    {
        var port = FreePort();
        var (app, logs) = Build($"127.0.0.1:{port},password=secret");
        await using var _ = app;
        await app.StartAsync();
        var client = app.GetTestClient();
        var id = Tessera.StoreConformance.ExpressCookie.NewId();
        var cookie = Tessera.StoreConformance.ExpressCookie.For(id);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Add("Cookie", cookie);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var message = await response.Content.ReadAsStringAsync();
        Assert.Contains($"RedisStore (Redis at 127.0.0.1:{port})", message, StringComparison.Ordinal);
        Assert.DoesNotContain(id, message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", message, StringComparison.Ordinal);
        Assert.DoesNotContain(logs.Entries, e => e.Message.Contains(id, StringComparison.Ordinal) || e.Message.Contains("secret", StringComparison.Ordinal));
        await app.StopAsync();
    }

    [Fact]
    public async Task A_reachable_Redis_starts_without_a_warning()
    {
        await using var redis = await Tessera.TestServers.RedisServer.StartNewAsync();
        var (app, logs) = Build(redis.Configuration);
        await using var _ = app;

        await app.StartAsync();

        Assert.DoesNotContain(logs.Entries, e => e.EventId.Id == UnreachableAtStartup);
        await app.StopAsync();
    }
}
