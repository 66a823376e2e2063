using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;
using Tessera.StoreConformance;
using Tessera.Tests.Infrastructure;

namespace Tessera.Tests.DependencyInjection;

/// <summary><c>AddTesseraStoreCheck</c>: a store that does not answer is reported within the store timeout.</summary>
public sealed class SessionStoreHealthCheckTests
{
    private static readonly TimeSpan StoreTimeout = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task A_store_whose_read_never_completes_is_reported_with_the_failure_status_once_the_store_timeout_passes()
    {
        var time = new FakeTimeProvider(ExpressHarness.Start);
        var store = StallingStore.Over(new MemoryStore(timeProvider: time));
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddTessera(o =>
        {
            o.Secrets = ["s"];
            o.StoreTimeout = StoreTimeout;
        }).UseStore(store);
        builder.Services.AddHealthChecks().AddTesseraStoreCheck(failureStatus: HealthStatus.Degraded);
        await using var app = builder.Build();
        app.UseTessera();
        await app.StartAsync();
        var health = app.Services.GetRequiredService<HealthCheckService>();

        store.Arm(StallingCall.LoadIgnoringToken);
        var check = health.CheckHealthAsync();
        await store.Reached.WaitAsync();
        time.Advance(StoreTimeout - TimeSpan.FromMilliseconds(1));
        Assert.False(check.IsCompleted, "The health check finished before the store timeout passed.");
        time.Advance(TimeSpan.FromMilliseconds(1));
        var report = await Gate.WithinTimeoutAsync(check, "the health check to report the silent store");

        Assert.Equal(HealthStatus.Degraded, report.Status);
        var entry = report.Entries["tessera-store"];
        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Contains("TesseraOptions.StoreTimeout", entry.Description, StringComparison.Ordinal);
        Assert.IsType<SessionStoreException>(entry.Exception);
    }
}
