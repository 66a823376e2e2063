using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Tessera.Tests.Infrastructure;

namespace Tessera.Tests.Guarantees;

/// <summary>A failing or silent store gives the configured answer within the store timeout, never a hang.</summary>
public sealed class StoreFailureTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    private const string Id = "abcdefghijklmnopqrstuvwxyz012345";

    private static async Task<(TestApp App, ControllableStore Store, ErrorSink Errors)> StartAsync(StoreFailure policy)
    {
        var errors = new ErrorSink();
        var store = new ControllableStore();
        var app = await TestApp.StartAsync(
            o =>
            {
                o.StoreTimeout = Timeout;
                o.StoreFailure = policy;
            },
            async context =>
            {
                if (context.TryGetSession(out var session))
                {
                    session.Set("n", session.Get<int>("n") + 1);
                    if (context.Request.Path != "/quiet")
                    {
                        await context.Response.WriteAsync($"n={session.Get<int>("n")}");
                    }
                }
                else
                {
                    await context.Response.WriteAsync("no session");
                }
            },
            errors.Install,
            store);
        store.Inner = new MemoryStore(timeProvider: app.Time);
        var data = new SessionData(new SessionCookie(app.Time) { MaxAge = TimeSpan.FromMinutes(1) });
        data.SetRawValue("n", "1"u8);
        await store.Inner.SetAsync(Id, data);
        return (app, store, errors);
    }

    private static string Cookie => "connect.sid=" + Tessera.Cookies.UriComponent.Encode("s:" + new Tessera.Cookies.CookieSigner(["keyboard cat"]).Sign(Id));

    /// <summary>Sends a request while the store is silent, and lets the fake clock reach the timeout once the store was called.</summary>
    private static async Task<HttpResponseMessage> SendWhileSilentAsync(TestApp app, ControllableStore store)
    {
        store.Called = new(TaskCreationOptions.RunContinuationsAsynchronously);
        store.Silent = true;
        var response = app.GetAsync("/", Cookie);
        await store.Called.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(response.IsCompleted);

        // The middleware arms its timeout just after the store call starts; step the clock until it fires.
        var advanced = TimeSpan.Zero;
        while (!response.IsCompleted && advanced < Timeout * 10)
        {
            app.Time.Advance(Timeout / 4);
            advanced += Timeout / 4;
            await Task.WhenAny(response, Task.Delay(20));
        }

        var result = await response.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(advanced >= Timeout, "The request completed before the store timeout.");
        store.Silent = false;
        return result;
    }

    [Fact]
    public async Task A_silent_store_with_Throw_fails_the_request_through_the_error_path_after_the_timeout()
    {
        var (app, store, errors) = await StartAsync(StoreFailure.Throw);
        await using var _ = app;

        var response = await SendWhileSilentAsync(app, store);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var error = Assert.IsType<SessionStoreException>(Assert.Single(errors.Errors));
        Assert.Equal("load", error.Operation);
        Assert.IsType<TimeoutException>(error.InnerException);
        Assert.Contains("StoreTimeout", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_silent_store_with_ServiceUnavailable_answers_503_with_problem_details()
    {
        var (app, store, _) = await StartAsync(StoreFailure.ServiceUnavailable);
        await using var _ = app;

        var response = await SendWhileSilentAsync(app, store);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("\"status\":503", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Null(SetCookie.First(response));
    }

    [Fact]
    public async Task A_silent_store_with_ContinueWithoutSession_runs_the_request_without_a_session()
    {
        var (app, store, _) = await StartAsync(StoreFailure.ContinueWithoutSession);
        await using var _ = app;

        var response = await SendWhileSilentAsync(app, store);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no session", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData(StoreFailure.Throw, HttpStatusCode.InternalServerError)]
    [InlineData(StoreFailure.ServiceUnavailable, HttpStatusCode.ServiceUnavailable)]
    [InlineData(StoreFailure.ContinueWithoutSession, HttpStatusCode.OK)]
    public async Task A_failing_save_before_the_response_started_gets_the_configured_answer_and_no_cookie(StoreFailure policy, HttpStatusCode status)
    {
        var (app, store, _) = await StartAsync(policy);
        await using var _ = app;
        store.FailWrites = true;

        var response = await app.GetAsync("/quiet", Cookie);

        Assert.Equal(status, response.StatusCode);
        Assert.Null(SetCookie.First(response));
    }

    [Theory]
    [InlineData(StoreFailure.Throw)]
    [InlineData(StoreFailure.ServiceUnavailable)]
    public async Task A_failing_save_after_the_response_started_aborts_it_so_it_never_looks_complete(StoreFailure policy)
    {
        var (app, store, _) = await StartAsync(policy);
        await using var _ = app;
        store.FailWrites = true;

        await Assert.ThrowsAnyAsync<HttpRequestException>(() => app.GetAsync("/", Cookie));
    }

    [Fact]
    public async Task A_failing_save_after_the_response_started_is_logged_and_the_response_kept_with_ContinueWithoutSession()
    {
        var (app, store, _) = await StartAsync(StoreFailure.ContinueWithoutSession);
        await using var _ = app;
        var logs = LogSink.Attach(app);
        store.FailWrites = true;

        var response = await app.GetAsync("/", Cookie);

        Assert.Equal("n=2", await response.Content.ReadAsStringAsync());
        Assert.Equal("store down", Assert.Single(logs.Named("StoreFailed")).Exception?.Message);
        store.FailWrites = false;
        Assert.Equal("n=2", await (await app.GetAsync("/", Cookie)).Content.ReadAsStringAsync()); // the failed write did not land
    }

    [Fact]
    public async Task Requests_recover_when_the_store_comes_back_and_no_acknowledged_write_is_lost()
    {
        var (app, store, _) = await StartAsync(StoreFailure.ServiceUnavailable);
        await using var _ = app;
        Assert.Equal("n=2", await (await app.GetAsync("/", Cookie)).Content.ReadAsStringAsync());

        store.FailWrites = true;
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await app.GetAsync("/quiet", Cookie)).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await SendWhileSilentAsync(app, store)).StatusCode);
        store.FailWrites = false;

        Assert.Equal("n=3", await (await app.GetAsync("/", Cookie)).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Store_errors_are_counted_by_the_Tessera_meter()
    {
        var (app, store, _) = await StartAsync(StoreFailure.ServiceUnavailable);
        await using var _ = app;
        var errors = new List<string>();
        var factory = app.Services.GetRequiredService<IMeterFactory>(); // this app's meter, not another test's
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Tessera" && ReferenceEquals(instrument.Meter.Scope, factory) && instrument.Name == "tessera.store.errors")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "tessera.store.operation")
                {
                    lock (errors)
                    {
                        errors.Add((string)tag.Value!);
                    }
                }
            }
        });
        listener.Start();

        await SendWhileSilentAsync(app, store);
        store.FailWrites = true;
        await app.GetAsync("/quiet", Cookie);

        lock (errors)
        {
            Assert.Equal(["load", "save"], errors);
        }
    }

    [Theory]
    [InlineData(StoreFailure.Throw)]
    [InlineData(StoreFailure.ContinueWithoutSession)]
    public async Task Without_a_ready_store_GetSession_says_so_and_HttpContext_Session_is_unavailable(StoreFailure policy)
    {
        var store = new CountingStore(new MemoryStore()) { Ready = false };
        await using var app = await TestApp.StartAsync(
            o => o.StoreFailure = policy,
            context =>
            {
                var failure = Assert.Throws<InvalidOperationException>(() => context.GetSession());
                return context.Response.WriteAsync(
                    $"{context.TryGetSession(out _)} {context.Session.IsAvailable} {failure.Message.Contains("the session store CountingStore is unavailable", StringComparison.Ordinal)}");
            },
            store: store);

        var response = await app.GetAsync("/", Cookie);

        Assert.Equal("False False True", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, store.Gets);
    }

    [Fact]
    public async Task Store_readiness_is_checked_only_for_requests_inside_the_cookie_path()
    {
        var store = new CountingStore(new MemoryStore()) { Ready = false };
        await using var app = await TestApp.StartAsync(
            o =>
            {
                o.StoreFailure = StoreFailure.ServiceUnavailable;
                o.Cookie.Path = "/app";
            },
            context => context.Response.WriteAsync("ok"),
            store: store);

        var outside = await app.GetAsync("/other");
        var inside = await app.GetAsync("/app/x");

        Assert.Equal(HttpStatusCode.OK, outside.StatusCode);
        Assert.Equal("ok", await outside.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, inside.StatusCode);
    }

    /// <summary>A store that can be made silent (never answering) or failing, in front of a memory store.</summary>
    private sealed class ControllableStore : IConditionalSessionStore
    {
        public MemoryStore Inner { get; set; } = null!;

        public bool Silent { get; set; }

        public bool FailWrites { get; set; }

        public TaskCompletionSource Called { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private async ValueTask<T> RunAsync<T>(Func<ValueTask<T>> call, bool write)
        {
            Called.TrySetResult();
            if (Silent)
            {
                await Task.Delay(Timeout.Add(TimeSpan.FromHours(1)));
            }

            if (write && FailWrites)
            {
                throw new IOException("store down");
            }

            return await call();
        }

        public ValueTask<SessionData?> GetAsync(string key, CancellationToken cancellationToken = default) =>
            RunAsync(() => Inner.GetAsync(key, cancellationToken), write: false);

        public ValueTask<object?> SetAsync(string key, SessionData data, CancellationToken cancellationToken = default) =>
            RunAsync(() => Inner.SetAsync(key, data, cancellationToken), write: true);

        public ValueTask<object?> TrySetAsync(string key, SessionData data, object expectedVersion, CancellationToken cancellationToken = default) =>
            RunAsync(() => Inner.TrySetAsync(key, data, expectedVersion, cancellationToken), write: true);

        public async ValueTask DestroyAsync(string key, CancellationToken cancellationToken = default) =>
            await RunAsync(async () => { await Inner.DestroyAsync(key, cancellationToken); return true; }, write: true);

        public async ValueTask TouchAsync(string key, SessionData data, CancellationToken cancellationToken = default) =>
            await RunAsync(async () => { await Inner.TouchAsync(key, data, cancellationToken); return true; }, write: true);
    }
}
