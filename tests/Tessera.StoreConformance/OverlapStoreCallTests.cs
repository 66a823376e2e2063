using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Time.Testing;

namespace Tessera.StoreConformance;

/// <summary>
/// What must hold of the store calls themselves on every store: <see cref="TesseraOptions.StoreTimeout"/>
/// bounds each one and reaches the store as a token, <see cref="TesseraOptions.TouchAfter"/>
/// throttles the touches of read-only requests, and the server-side timeouts hold for sessions
/// that carry none of Tessera's metadata (written by a Node.js app, or before an option was on).
/// </summary>
public abstract class OverlapStoreCallTests
{
    private static readonly TimeSpan StoreTimeout = TimeSpan.FromSeconds(5);

    /// <summary>A store with no sessions in it, used by one test.</summary>
    protected abstract Task<ISessionStore> CreateStoreAsync();

    /// <summary>
    /// A store with no sessions in it on the app's clock, for stores that compute expiries on
    /// their own clock (a TTL read back, a re-armed cookie): in production both share one clock.
    /// </summary>
    protected virtual Task<ISessionStore> CreateStoreAsync(TimeProvider time) => CreateStoreAsync();

    /// <summary>
    /// Lets <paramref name="elapsed"/> pass on the store's own clock as well, for a store whose
    /// expiries run on a clock of its own (Redis's TTLs); nothing for stores on the app's clock.
    /// </summary>
    /// <summary>
    /// Whether every read of a session renews its expiry in the store (a sliding cache entry), so
    /// that read-only requests need no touch at all: <see cref="TesseraOptions.TouchAfter"/> then
    /// lets none through rather than one per interval.
    /// </summary>
    protected virtual bool ReadsRenewTheExpiry => false;

    protected virtual Task StoreTimePassedAsync(TimeSpan elapsed) => Task.CompletedTask;

    private static void MapEndpoints(WebApplication app)
    {
        OverlapEndpoints.Map(app);
        app.MapGet("/views", (Session session) => session.TryGet<int>("views", out var views) ? views.ToString(CultureInfo.InvariantCulture) : "");
    }

    private static void TimeOutStoreCalls(TesseraOptions options)
    {
        options.StoreTimeout = StoreTimeout;
        options.StoreFailure = StoreFailure.ServiceUnavailable;
    }

    private async Task<HttpResponseMessage> LoadThatStallsAsync(StallingCall stall, bool expectTokenCancelled)
    {
        var time = new TimerWatchingTimeProvider();
        var store = StallingStore.Over(await CreateStoreAsync());
        await using var app = await KestrelSessionApp.StartAsync(store, TimeOutStoreCalls, MapEndpoints, time);
        var cookie = await app.CookieAsync("/set/before");

        store.Arm(stall);
        var timer = time.Watch("a timer on the app's clock (TimeProvider) to bound the store call");
        var request = app.GetAsync("/get/before", cookie);
        await store.Reached.WaitAsync();
        if (expectTokenCancelled)
        {
            Assert.True(store.Token.CanBeCanceled, "The load was given a token that can never be cancelled: StoreTimeout does not reach the store.");
        }

        await timer.WaitAsync();
        time.Advance(StoreTimeout);
        if (expectTokenCancelled)
        {
            await store.TokenCancelled.WaitAsync();
        }

        return await Gate.WithinTimeoutAsync(request, "the response to a request whose load outlived StoreTimeout");
    }

    [Fact]
    public async Task A_load_is_given_a_token_that_StoreTimeout_cancels_and_the_request_gets_a_503()
    {
        using var response = await LoadThatStallsAsync(StallingCall.LoadHonouringToken, expectTokenCancelled: true);

        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"A load cancelled by StoreTimeout answered {(int)response.StatusCode}, not 503.");
    }

    [Fact]
    public async Task A_load_that_ignores_its_token_still_ends_in_a_503_after_StoreTimeout()
    {
        using var response = await LoadThatStallsAsync(StallingCall.LoadIgnoringToken, expectTokenCancelled: false);

        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"A load that never answered ended in {(int)response.StatusCode}, not 503.");
    }

    [Fact]
    public async Task A_write_that_never_completes_does_not_hold_the_response_past_StoreTimeout()
    {
        var time = new TimerWatchingTimeProvider();
        var store = StallingStore.Over(await CreateStoreAsync());
        await using var app = await KestrelSessionApp.StartAsync(store, TimeOutStoreCalls, MapEndpoints, time);

        store.Arm(StallingCall.WriteIgnoringToken);
        var timer = time.Watch("a timer on the app's clock (TimeProvider) to bound the write");
        var request = app.GetAsync("/set/value");
        await store.Reached.WaitAsync();
        await timer.WaitAsync();
        time.Advance(StoreTimeout);

        // The body was written before the write began, so the response has started: the
        // client must get a 503 or a dropped connection, never a success, and never a hang.
        int? status;
        try
        {
            using var response = await Gate.WithinTimeoutAsync(request, "the response to a request whose end-of-request write outlived StoreTimeout");
            await response.Content.ReadAsStringAsync();
            status = (int)response.StatusCode;
        }
        catch (HttpRequestException)
        {
            status = null; // aborted: the client cannot mistake it for a stored session
        }

        Assert.True(status is null or 503, $"A request whose session was never written answered {status}, not 503 or an aborted response.");
    }

    [Fact]
    public async Task TouchAfter_lets_one_touch_through_per_interval_however_many_read_only_requests_come()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var store = RecordingStore.Over(await CreateStoreAsync(time));
        await using var app = await KestrelSessionApp.StartAsync(store, o => o.TouchAfter = TimeSpan.FromMinutes(1), MapEndpoints, time);
        var cookie = await app.CookieAsync("/set/before");

        for (var round = 1; round <= 2; round++)
        {
            time.Advance(TimeSpan.FromMinutes(2));
            await StoreTimePassedAsync(TimeSpan.FromMinutes(2));
            var before = store.Writes;
            for (var i = 0; i < 30; i++)
            {
                Assert.Equal("set", await app.BodyAsync("/get/before", cookie));
            }

            var writes = store.Writes - before;
            var expected = ReadsRenewTheExpiry ? 0 : 1;
            Assert.True(writes == expected, $"Round {round}: 30 read-only requests two minutes after the last touch made {writes} store writes/touches; TouchAfter = 1 minute allows exactly {expected}.");
        }
    }

    private async Task<(KestrelSessionApp App, ISessionStore Store, string Id, string Cookie)> StartWithNodeSessionAsync(FakeTimeProvider time, Action<TesseraOptions> configure)
    {
        var store = await CreateStoreAsync();
        var id = ExpressCookie.NewId();
        var expires = time.GetUtcNow().AddDays(1).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        var json = $$"""{"cookie":{"originalMaxAge":86400000,"expires":"{{expires}}","httpOnly":true,"path":"/"},"views":1}""";
        await store.SetAsync(id, SessionData.Parse(json, time));
        var app = await KestrelSessionApp.StartAsync(store, configure, MapEndpoints, time);
        return (app, store, id, ExpressCookie.For(id));
    }

    [Fact]
    public async Task AbsoluteTimeout_ends_a_session_written_by_a_Node_app_without_Tesseras_metadata()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (app, _, _, cookie) = await StartWithNodeSessionAsync(time, o => o.AbsoluteTimeout = TimeSpan.FromHours(1));
        await using (app)
        {
            Assert.True(await app.BodyAsync("/views", cookie) == "1", "The session written by the Node app was not found at first.");
            time.Advance(TimeSpan.FromMinutes(50));
            Assert.True(await app.BodyAsync("/views", cookie) == "1", "The session ended before its absolute timeout.");
            time.Advance(TimeSpan.FromMinutes(20));
            Assert.True(await app.BodyAsync("/views", cookie) == "", "The session was still served 70 minutes after it was first seen, past AbsoluteTimeout = 1 hour.");
        }
    }

    [Fact]
    public async Task IdleTimeout_bounds_the_stored_expiry_of_a_session_written_by_a_Node_app_without_Tesseras_metadata()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (app, store, id, cookie) = await StartWithNodeSessionAsync(time, o =>
        {
            o.Cookie.MaxAge = null;
            o.IdleTimeout = TimeSpan.FromMinutes(20);
        });
        await using (app)
        {
            Assert.True(await app.BodyAsync("/views", cookie) == "1", "The session written by the Node app was not found.");

            var data = await store.GetAsync(id);
            Assert.NotNull(data);
            var expiry = data.StoreExpires ?? data.Expires;
            var limit = time.GetUtcNow() + TimeSpan.FromMinutes(20) + TimeSpan.FromMinutes(1); // a minute for a store that reads its TTL on the real clock
            Assert.True(expiry <= limit, $"The stored session expires at {expiry:O}, later than {limit:O}: IdleTimeout = 20 minutes was not applied to a session that had a one-day cookie.");
        }
    }
}
