using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

using Tessera.StoreConformance;

namespace Tessera.DistributedCache.Tests;

public sealed class DistributedCacheStoreStartupWarningTests
{
    private static async Task<LogCapture> StartAndStopAsync(Action<TesseraBuilder> configure)
    {
        var logs = new LogCapture();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Services.AddDistributedMemoryCache();
        configure(builder.Services.AddTessera(o => o.Secrets = ["keyboard cat"]));
        using var host = builder.Build();
        await host.StartAsync();
        await host.StopAsync();
        return logs;
    }

    private static string[] Warnings(LogCapture logs) =>
        [.. logs.Entries.Where(e => e.EventId.Id == 301).Select(e => $"{e.Level} {e.Category}: {e.Message}")];

    [Fact]
    public async Task Starting_an_app_on_the_store_logs_one_warning_saying_what_degrades()
    {
        var logs = await StartAndStopAsync(tessera => tessera.AddDistributedCacheStore());

        var warning = Assert.Single(Warnings(logs));
        Assert.StartsWith("Warning Tessera.DistributedCacheStore: ", warning, StringComparison.Ordinal);
        Assert.Contains("MemoryDistributedCache", warning, StringComparison.Ordinal);
        Assert.Contains("the last write wins", warning, StringComparison.Ordinal);
        Assert.Contains("write back a session destroyed meanwhile", warning, StringComparison.Ordinal);
        Assert.Contains("SessionIndex", warning, StringComparison.Ordinal);
        Assert.Equal("DegradedGuarantees", logs.Entries.Single(e => e.EventId.Id == 301).EventId.Name);
    }

    [Fact]
    public async Task Adding_the_store_twice_still_warns_once()
    {
        var logs = await StartAndStopAsync(tessera => tessera.AddDistributedCacheStore().AddDistributedCacheStore(o => o.KeyPrefix = "x:"));

        Assert.Single(Warnings(logs));
    }

    [Fact]
    public async Task No_warning_is_logged_when_another_store_replaces_it()
    {
        var logs = await StartAndStopAsync(tessera => tessera.AddDistributedCacheStore().UseStore(new MemoryStore()));

        Assert.Empty(Warnings(logs));
    }
}
