using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Tessera.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tessera.Tests.Stores;

/// <summary>The flood test measures the whole process's heap, so it runs alone.</summary>
[CollectionDefinition(nameof(MemoryStoreFloodTests), DisableParallelization = true)]
public sealed class MemoryStoreFloodRunsAlone;

[Collection(nameof(MemoryStoreFloodTests))]
public sealed class MemoryStoreFloodTests(ITestOutputHelper output)
{
    private const int Bound = 10_000;
    private const int Requests = 300_000;

    /// <summary>
    /// What the store may keep after the flood: 2 KB per session of the bound (a stored session of
    /// this app holds well under 1 KB, its dictionary and queue slots about 100 bytes more) and
    /// 16 MB for everything else the flood leaves behind (pools, the app's caches, the
    /// collector's slack). Without the bound the flood's 300,000 sessions alone hold about 180 MB.
    /// </summary>
    private const long HeapBudget = (Bound * 2_048L) + (16L << 20);

    [Fact]
    public async Task A_flood_of_cookie_less_writing_requests_stays_within_the_bound_and_the_app_still_serves_a_visitor()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders().SetMinimumLevel(LogLevel.Warning); // no line per request, which the sink would keep
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddTessera(o => o.Secrets = ["keyboard cat"]).AddMemoryStore(m => m.MaxSessions = Bound);
        await using var app = builder.Build();
        app.UseTessera();
        app.Run(async context =>
        {
            var session = context.GetSession();
            if (context.Request.Path == "/write")
            {
                session.Set("views", session.Get<int>("views") + 1);
            }

            await context.Response.WriteAsync(session.Get<int>("views").ToString(System.Globalization.CultureInfo.InvariantCulture));
        });
        await app.StartAsync();
        var sink = new LogSink();
        app.Services.GetRequiredService<ILoggerFactory>().AddProvider(sink);
        using var client = app.GetTestClient();
        var store = Assert.IsType<MemoryStore>(app.Services.GetRequiredService<ISessionStore>());
        var meters = app.Services.GetRequiredService<IMeterFactory>();
        long evictions = 0;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Name == "tessera.memory_store.evictions" && ReferenceEquals(instrument.Meter.Scope, meters))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref evictions, value));
        listener.Start();

        var heapBefore = FullCollection();
        var most = 0;
        for (var i = 0; i < Requests; i++)
        {
            using var response = await client.GetAsync("/write");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            most = Math.Max(most, store.EntryCount);
            if (i % 100 == 0)
            {
                time.Advance(TimeSpan.FromSeconds(1)); // the flood's clock: 50 minutes, within the sessions' one-day lifetime
            }
        }

        var heapGrowth = FullCollection() - heapBefore;
        output.WriteLine($"Heap growth over {Requests:N0} requests: {heapGrowth:N0} bytes (budget {HeapBudget:N0}).");

        Assert.Equal(Bound, most);
        Assert.Equal(Bound, store.EntryCount);
        Assert.Equal(Requests - Bound, Interlocked.Read(ref evictions));
        Assert.True(heapGrowth < HeapBudget, $"The heap grew by {heapGrowth:N0} bytes over the flood; the budget is {HeapBudget:N0}.");
        var warnings = sink.Named("SessionsEvicted");
        Assert.InRange(warnings.Count, 1, 52); // at most one a minute over the flood's 50 minutes

        // A visitor after the flood: a new session that is stored and read back with its cookie.
        using var first = await client.GetAsync("/write");
        var cookie = SetCookie.Require(first);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/write");
        request.Headers.Add("Cookie", cookie);
        using var second = await client.SendAsync(request);
        Assert.Equal("2", await second.Content.ReadAsStringAsync());
        GC.KeepAlive(store);
    }

    private static long FullCollection()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
