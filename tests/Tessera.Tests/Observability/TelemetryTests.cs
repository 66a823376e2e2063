using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;
using Tessera.StoreConformance;
using Tessera.Tests.Infrastructure;

namespace Tessera.Tests.Observability;

/// <summary>Activity sources are process-wide, so these tests run alone.</summary>
[CollectionDefinition(nameof(TelemetryTests), DisableParallelization = true)]
public sealed class TelemetryRunsAlone;

[Collection(nameof(TelemetryTests))]
public sealed class TelemetryTests
{
    private static Task<TestApp> StartAsync(Action<TesseraOptions>? configure = null) => TestApp.StartAsync(configure, async context =>
    {
        var session = context.GetSession();
        switch (context.Request.Path.Value)
        {
            case "/write":
                session.Set("n", session.Get<int>("n") + 1);
                break;
            case "/renew":
                await session.RenewIdAsync();
                break;
            case "/destroy":
                await session.DestroyAsync();
                break;
        }

        await context.Response.WriteAsync("ok");
    });

    /// <summary>The cookie with the last character of its signature changed: signed-looking, but forged.</summary>
    private static string Forged(string setCookieLine)
    {
        var value = Uri.UnescapeDataString(SetCookie.Value(setCookieLine));
        var forged = value[..^1] + (value[^1] == 'A' ? 'B' : 'A');
        return "connect.sid=" + Uri.EscapeDataString(forged);
    }

    [Fact]
    public async Task The_meter_counts_a_scripted_sequence_of_requests()
    {
        await using var app = await StartAsync();
        using var counters = new MeterCounters(app);

        var cookie = SetCookie.Require(await app.GetAsync("/write"));      // created + saved
        await app.GetAsync("/", cookie);                                   // loaded + touched
        await app.GetAsync("/write", cookie);                              // loaded + saved
        var renewed = SetCookie.Require(await app.GetAsync("/renew", cookie)); // loaded + renewed (saved under the new ID; nothing left to save at the end)
        await app.GetAsync("/", "connect.sid=forged");                     // rejected (unsigned)
        await app.GetAsync("/", Forged(cookie));                            // rejected (bad signature)
        await app.GetAsync("/destroy", renewed);                           // loaded + destroyed

        Assert.Equal(1, counters["tessera.session.created"]);
        Assert.Equal(4, counters["tessera.session.loaded"]);
        Assert.Equal(3, counters["tessera.session.saved"]);
        Assert.Equal(1, counters["tessera.session.touched"]);
        Assert.Equal(1, counters["tessera.session.renewed"]);
        Assert.Equal(1, counters["tessera.session.destroyed[tessera.reason=destroyed]"]);
        Assert.Equal(1, counters["tessera.cookie.rejected[tessera.reason=unsigned]"]);
        Assert.Equal(1, counters["tessera.cookie.rejected[tessera.reason=bad_signature]"]);
        Assert.True(counters["tessera.store.duration[tessera.store.operation=load]"] >= 4);
        Assert.True(counters["tessera.store.duration[tessera.store.operation=save]"] >= 4);
    }

    /// <summary>/set/{key} sets a value, /get/{key} reads it, /destroy destroys the session, /slow is held by <paramref name="slow"/>.</summary>
    private static Task<TestApp> StartOverlappingAsync(ISessionStore store, FakeTimeProvider time, SlowRequest? slow = null) => TestApp.StartAsync(null, async context =>
    {
        var session = context.GetSession();
        var path = context.Request.Path.Value!;
        if (path == "/destroy")
        {
            await session.DestroyAsync();
        }
        else if (path == "/slow" && slow is not null)
        {
            slow.Loaded.Open();
            await slow.Proceed.WaitAsync();
            session.Set("slow", "set");
        }
        else if (path.StartsWith("/set/", StringComparison.Ordinal))
        {
            session.Set(path["/set/".Length..], "set");
        }
        else if (path.StartsWith("/get/", StringComparison.Ordinal))
        {
            await context.Response.WriteAsync(session.Get<string>(path["/get/".Length..]) ?? "");
        }
    }, store: store, time: time);

    [Fact]
    public async Task Two_requests_writing_one_session_at_once_count_one_write_conflict_and_no_dropped_commit()
    {
        var time = ExpressHarness.NewClock();
        var store = LoadBarrierStore.Over(new MemoryStore(timeProvider: time));
        await using var app = await StartOverlappingAsync(store, time);
        using var counters = new MeterCounters(app);
        var cookie = SetCookie.Require(await app.GetAsync("/set/a"));

        store.Arm(2);
        var responses = await Task.WhenAll(app.GetAsync("/set/b", cookie), app.GetAsync("/set/c", cookie));

        Assert.True(store.Met, "The two requests did not both load the session before either wrote it.");
        Assert.All(responses, response => Assert.Equal(200, (int)response.StatusCode));
        Assert.Equal(1, counters["tessera.session.write_conflicts"]);
        Assert.Equal(0, counters["tessera.session.commits_dropped"]);
        Assert.Equal("set", await (await app.GetAsync("/get/b", cookie)).Content.ReadAsStringAsync());
        Assert.Equal("set", await (await app.GetAsync("/get/c", cookie)).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_request_whose_session_was_destroyed_while_it_ran_counts_one_dropped_commit()
    {
        var time = ExpressHarness.NewClock();
        var slow = new SlowRequest();
        await using var app = await StartOverlappingAsync(new MemoryStore(timeProvider: time), time, slow);
        using var counters = new MeterCounters(app);
        var cookie = SetCookie.Require(await app.GetAsync("/set/a"));

        var inFlight = app.GetAsync("/slow", cookie);
        await slow.Loaded.WaitAsync();
        Assert.Equal(200, (int)(await app.GetAsync("/destroy", cookie)).StatusCode);
        slow.Proceed.Open();
        var response = await Gate.WithinTimeoutAsync(inFlight, "the request in flight while its session was destroyed");

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(1, counters["tessera.session.commits_dropped"]);
        Assert.Equal(1, counters["tessera.session.write_conflicts"]); // the conditional write that found the session gone
        Assert.Null(await app.Store.GetAsync(SetCookie.SessionId(cookie)));
    }

    [Fact]
    public async Task Every_store_call_has_a_span()
    {
        // With an idle timeout a read-only request reads, then touches at its end: two calls.
        // (Without one, the memory store re-arms the session in the load's call.)
        await using var app = await StartAsync(o =>
        {
            o.Cookie.MaxAge = null;
            o.IdleTimeout = TimeSpan.FromMinutes(30);
        });
        var spans = new ConcurrentQueue<string>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Tessera",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => spans.Enqueue(activity.OperationName),
        };
        ActivitySource.AddActivityListener(listener);

        var cookie = SetCookie.Require(await app.GetAsync("/write"));
        await app.GetAsync("/", cookie);
        await app.GetAsync("/destroy", cookie);

        Assert.Equal(["tessera.store.save", "tessera.store.load", "tessera.store.touch", "tessera.store.load", "tessera.store.destroy"], spans);
    }

    [Fact]
    public async Task Lifecycle_callbacks_see_creation_renewal_and_destruction()
    {
        var events = new ConcurrentQueue<string>();
        await using var app = await StartAsync(o =>
        {
            o.OnCreated = e => { events.Enqueue($"created {e.SessionId.Length} {e.HttpContext is not null}"); return Task.CompletedTask; };
            o.OnRenewed = e => { events.Enqueue($"renewed {e.PreviousSessionId != e.SessionId}"); return Task.CompletedTask; };
            o.OnDestroyed = e => { events.Enqueue($"destroyed {e.Reason}"); return Task.CompletedTask; };
        });

        var cookie = SetCookie.Require(await app.GetAsync("/write"));
        await app.GetAsync("/write", cookie);
        var renewed = SetCookie.Require(await app.GetAsync("/renew", cookie));
        await app.GetAsync("/destroy", renewed);

        Assert.Equal(["created 32 True", "renewed True", "destroyed Destroyed"], events);
    }

    [Fact]
    public async Task A_throwing_callback_is_logged_and_the_request_goes_on()
    {
        await using var app = await StartAsync(o => o.OnCreated = _ => throw new InvalidOperationException("callback failed"));
        var logs = LogSink.Attach(app);

        var response = await app.GetAsync("/write");

        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
        Assert.Equal("callback failed", Assert.Single(logs.Named("EventHandlerFailed")).Exception?.Message);
    }

    [Fact]
    public async Task Logs_never_contain_the_secret_or_a_cookie_value()
    {
        await using var app = await StartAsync();
        var logs = LogSink.Attach(app);
        var cookie = SetCookie.Require(await app.GetAsync("/write"));
        var value = SetCookie.Value(cookie);
        await app.GetAsync("/", Forged(cookie));
        await app.GetAsync("/", "connect.sid=" + SetCookie.SessionId(cookie));
        await app.GetAsync("/renew", cookie);

        Assert.NotEmpty(logs.Entries);
        foreach (var entry in logs.Entries)
        {
            var text = entry.Message + entry.Exception;
            Assert.DoesNotContain("keyboard cat", text, StringComparison.Ordinal);
            Assert.DoesNotContain(value, text, StringComparison.Ordinal);
            Assert.DoesNotContain(SetCookie.SessionId(cookie), text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_store_health_check_reports_a_ready_store_healthy_and_a_failing_one_unhealthy()
    {
        using var store = new ToggleStore();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddTessera(o => o.Secrets = ["s"]).UseStore(store);
        builder.Services.AddHealthChecks().AddTesseraStoreCheck();
        await using var app = builder.Build();
        await app.StartAsync();
        var health = app.Services.GetRequiredService<HealthCheckService>();

        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync()).Status);
        store.Ready = false;
        Assert.Equal(HealthStatus.Unhealthy, (await health.CheckHealthAsync()).Status);
        store.Ready = true;
        store.Fail = true;
        var report = await health.CheckHealthAsync();
        Assert.Equal(HealthStatus.Unhealthy, report.Status);
        Assert.Contains("down", report.Entries["tessera-store"].Description, StringComparison.Ordinal);
    }

    private sealed class ToggleStore : ISessionStore, IDisposable
    {
        private readonly MemoryStore _inner = new();

        public bool Ready { get; set; } = true;

        public void Dispose() => _inner.Dispose();

        public bool Fail { get; set; }

        public bool IsReady => Ready;

        public ValueTask<SessionData?> GetAsync(string sessionId, CancellationToken cancellationToken = default) =>
            Fail ? ValueTask.FromException<SessionData?>(new IOException("down")) : _inner.GetAsync(sessionId, cancellationToken);

        public ValueTask<object?> SetAsync(string sessionId, SessionData data, CancellationToken cancellationToken = default) => _inner.SetAsync(sessionId, data, cancellationToken);

        public ValueTask DestroyAsync(string sessionId, CancellationToken cancellationToken = default) => _inner.DestroyAsync(sessionId, cancellationToken);
    }
}
