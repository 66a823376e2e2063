using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Tessera.StoreConformance;

/// <summary>
/// What Tessera guarantees over real HTTP (Kestrel on loopback) with every store: parallel
/// requests keep each other's changes, and a destroyed session is never written back. Each
/// test also runs express-session's last-write-wins (conditional writes off) to show the
/// difference.
/// </summary>
public abstract class SessionGuaranteeTests
{
    private const int Parallel = 200;

    protected SessionGuaranteeTests(ITestOutputHelper output)
    {
        Output = output;
    }

    protected ITestOutputHelper Output { get; }

    /// <summary>A store with no sessions in it, used by one test.</summary>
    protected abstract Task<ISessionStore> CreateStoreAsync();

    private static void MapEndpoints(WebApplication app, TaskCompletionSource? gate = null, TaskCompletionSource? loaded = null)
    {
        app.MapGet("/set/{key}", (string key, string? value, Session session) =>
        {
            session.Set(key, value ?? "set");
            return "ok";
        });
        app.MapGet("/slow/{key}", async (string key, string? value, Session session) =>
        {
            loaded?.TrySetResult();
            await gate!.Task;
            session.Set(key, value ?? "set");
            return "ok";
        });
        app.MapGet("/slow-read/{key}", async (string key, Session session) =>
        {
            var value = session.Get<string>(key) ?? "";
            loaded?.TrySetResult();
            await gate!.Task;
            return value;
        });
        app.MapGet("/destroy", async (Session session) =>
        {
            await session.DestroyAsync();
            return "destroyed";
        });
        app.MapGet("/lifetime/{minutes:int}", (int minutes, Session session) =>
        {
            session.Cookie.MaxAge = TimeSpan.FromMinutes(minutes);
            session.Set("lifetime", $"{minutes}");
            return "ok";
        });
        app.MapGet("/renew/{key}", async (string key, Session session) =>
        {
            session.Set(key, "set");
            await session.RenewIdAsync();
            return "ok";
        });
        app.MapGet("/keys", (Session session) => string.Join(",", session.Keys.Order(StringComparer.Ordinal)));
        app.MapGet("/get/{key}", (string key, Session session) => session.Get<string>(key) ?? "");
    }

    /// <summary>The session's keys in ordinal order, as the app reads them for <paramref name="cookie"/>.</summary>
    private static async Task<string[]> KeysAsync(KestrelSessionApp app, string cookie) =>
        (await (await app.GetAsync("/keys", cookie)).Content.ReadAsStringAsync()).Split(',');

    /// <summary>An app over the store with another instance's writer in between, and a session with the key <c>seed</c>.</summary>
    private async Task<(InterveningWriterStore Store, KestrelSessionApp App, string Cookie)> StartWithAnotherInstanceAsync(Action<TesseraOptions>? configure = null, TimeProvider? time = null)
    {
        var store = InterveningWriterStore.Over(await CreateStoreAsync());
        var app = await KestrelSessionApp.StartAsync(store, configure, a => MapEndpoints(a), time);
        return (store, app, KestrelSessionApp.CookieOf(await app.GetAsync("/set/seed")));
    }

    private async Task<int> KeysKeptAsync(bool conditionalWrites)
    {
        var store = LoadBarrierStore.Over(await CreateStoreAsync());
        // Every request but one meets a conflict and waits its turn for the session: the test is
        // about keys kept, so the wait may be long on a loaded machine.
        await using var app = await KestrelSessionApp.StartAsync(store, o =>
        {
            o.ConditionalWrites = conditionalWrites;
            o.StoreTimeout = TimeSpan.FromMinutes(1);
        }, a => MapEndpoints(a));
        var cookie = KestrelSessionApp.CookieOf(await app.GetAsync("/set/seed"));

        store.Arm(Parallel);
        var responses = await Task.WhenAll(Enumerable.Range(0, Parallel).Select(i => app.GetAsync($"/set/k{i:000}", cookie)));

        Assert.All(responses, r => Assert.True(r.IsSuccessStatusCode, $"status {(int)r.StatusCode}"));
        Assert.True(store.Met, $"The {Parallel} requests did not all load the session before the first one saved it.");
        var keys = await KeysAsync(app, cookie);
        Assert.Contains("seed", keys);
        return keys.Count(k => k.StartsWith('k'));
    }

    /// <summary>
    /// Two instances of an app (a web farm's processes), each with its own store object over
    /// one shared storage, serve parallel requests to one session that each set their own key;
    /// every request of an instance reads the same version first. Every key must be kept.
    /// </summary>
    protected static async Task AssertTwoInstancesKeepEveryKeyAsync(ISessionStore firstStore, ISessionStore secondStore, int perInstance = 25)
    {
        var stores = new[] { LoadBarrierStore.Over(firstStore), LoadBarrierStore.Over(secondStore) };
        await using var first = await KestrelSessionApp.StartAsync(stores[0], o => o.StoreTimeout = TimeSpan.FromMinutes(1), a => MapEndpoints(a));
        await using var second = await KestrelSessionApp.StartAsync(stores[1], o => o.StoreTimeout = TimeSpan.FromMinutes(1), a => MapEndpoints(a));
        var apps = new[] { first, second };
        var cookie = KestrelSessionApp.CookieOf(await first.GetAsync("/set/seed"));

        // What the apps log, so that a failed request says what the server did.
        using var logs = new LeakRecorder();
        logs.Attach(first.Services);
        logs.Attach(second.Services);
        string Logged() => string.Join(Environment.NewLine, logs.Exceptions.Select(e => $"{e.GetType().Name}: {e.Message}"));

        stores[0].Arm(perInstance);
        stores[1].Arm(perInstance);
        HttpResponseMessage[] responses;
        try
        {
            responses = await Task.WhenAll(Enumerable.Range(0, 2 * perInstance).Select(i => apps[i % 2].GetAsync($"/set/k{i:000}", cookie)));
        }
        catch (HttpRequestException ex)
        {
            throw new Xunit.Sdk.XunitException($"A request failed ({ex.Message}); the apps logged:{Environment.NewLine}{Logged()}");
        }

        Assert.All(responses, r => Assert.True(r.IsSuccessStatusCode, $"status {(int)r.StatusCode}; the apps logged:{Environment.NewLine}{Logged()}"));
        Assert.True(stores[0].Met && stores[1].Met, "The requests of an instance did not all load the session before the first one saved it.");
        var keys = await KeysAsync(second, cookie);
        Assert.Equal([.. Enumerable.Range(0, 2 * perInstance).Select(i => $"k{i:000}"), "seed"], keys);
    }

    [Fact]
    public async Task Two_hundred_parallel_requests_that_each_set_a_different_key_keep_all_their_keys()
    {
        var kept = await KeysKeptAsync(conditionalWrites: true);
        var lastWriteWins = await KeysKeptAsync(conditionalWrites: false);

        Output.WriteLine($"{Parallel} parallel requests on one session, each setting its own key, all loading before any saves:");
        Output.WriteLine($"  conditional writes (Tessera's default): {kept}/{Parallel} keys kept");
        Output.WriteLine($"  last write wins (express-session):      {lastWriteWins}/{Parallel} keys kept");
        Assert.Equal(Parallel, kept);
        Assert.True(lastWriteWins < Parallel, "Last-write-wins kept every key although every request read the same version.");
    }

    private async Task<bool> DestroyedSessionComesBackAsync(bool conditionalWrites)
    {
        var store = await CreateStoreAsync();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var loaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await KestrelSessionApp.StartAsync(store, o => o.ConditionalWrites = conditionalWrites, a => MapEndpoints(a, gate, loaded));
        var cookie = KestrelSessionApp.CookieOf(await app.GetAsync("/set/seed"));
        var id = KestrelSessionApp.SessionIdOf(cookie);

        var slow = app.GetAsync("/slow/late", cookie);       // loads the session, then waits
        await loaded.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var destroyed = await app.GetAsync("/destroy", cookie); // signs out meanwhile
        Assert.Equal("destroyed", await destroyed.Content.ReadAsStringAsync());
        Assert.Null(await store.GetAsync(id));
        gate.SetResult();                                      // the slow request changes the session and commits
        Assert.True((await slow).IsSuccessStatusCode);

        return await store.GetAsync(id) is not null;
    }

    [Fact]
    public async Task A_request_that_loaded_a_session_before_it_was_destroyed_cannot_bring_it_back()
    {
        var resurrected = await DestroyedSessionComesBackAsync(conditionalWrites: true);
        var resurrectedWithLastWriteWins = await DestroyedSessionComesBackAsync(conditionalWrites: false);

        Output.WriteLine($"destroyed session written back by a request in flight: conditional writes {resurrected}, last write wins {resurrectedWithLastWriteWins}");
        Assert.False(resurrected);
        Assert.True(resurrectedWithLastWriteWins, "Without conditional writes the request in flight writes the session back (express-session's behaviour).");
    }

    [Fact]
    public async Task For_the_same_key_the_later_commit_wins()
    {
        var store = await CreateStoreAsync();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var loaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await KestrelSessionApp.StartAsync(store, null, a => MapEndpoints(a, gate, loaded));
        var cookie = KestrelSessionApp.CookieOf(await app.GetAsync("/set/colour?value=red"));

        var first = app.GetAsync("/slow/colour?value=green", cookie); // loads first, commits last
        await loaded.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True((await app.GetAsync("/set/colour?value=blue", cookie)).IsSuccessStatusCode);
        gate.SetResult();
        Assert.True((await first).IsSuccessStatusCode);

        Assert.Equal("green", await (await app.GetAsync("/get/colour", cookie)).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_key_removed_by_one_request_stays_removed_when_a_parallel_request_sets_another()
    {
        var store = await CreateStoreAsync();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var loaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await KestrelSessionApp.StartAsync(store, null, a =>
        {
            MapEndpoints(a, gate, loaded);
            a.MapGet("/remove/{key}", (string key, Session session) => session.Remove(key) ? "removed" : "missing");
        });
        var cookie = KestrelSessionApp.CookieOf(await app.GetAsync("/set/token"));

        var slow = app.GetAsync("/slow/cart", cookie);
        await loaded.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("removed", await (await app.GetAsync("/remove/token", cookie)).Content.ReadAsStringAsync());
        gate.SetResult();
        Assert.True((await slow).IsSuccessStatusCode);

        Assert.Equal("cart", await (await app.GetAsync("/keys", cookie)).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_read_only_request_that_loaded_a_session_before_it_was_destroyed_does_not_bring_it_back()
    {
        // The load may re-arm the session's expiry in the same store call (ITouchOnReadSessionStore);
        // the destroy comes after it, and the end of the request must not touch the session back.
        var store = await CreateStoreAsync();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var loaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await KestrelSessionApp.StartAsync(store, null, a => MapEndpoints(a, gate, loaded));
        var cookie = KestrelSessionApp.CookieOf(await app.GetAsync("/set/seed"));
        var id = KestrelSessionApp.SessionIdOf(cookie);

        var reader = app.GetAsync("/slow-read/seed", cookie);  // loads the session, then waits
        await loaded.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("destroyed", await (await app.GetAsync("/destroy", cookie)).Content.ReadAsStringAsync());
        gate.SetResult();
        var read = await reader;

        Assert.Equal("set", await read.Content.ReadAsStringAsync());
        Assert.Null(await store.GetAsync(id));
        Assert.Equal("", await (await app.GetAsync("/keys", cookie)).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_read_only_request_keeps_a_change_another_request_made_while_it_ran()
    {
        var store = await CreateStoreAsync();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var loaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await KestrelSessionApp.StartAsync(store, null, a => MapEndpoints(a, gate, loaded));
        var cookie = KestrelSessionApp.CookieOf(await app.GetAsync("/set/colour?value=red"));

        var reader = app.GetAsync("/slow-read/colour", cookie); // loads the session, then waits
        await loaded.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True((await app.GetAsync("/set/colour?value=blue", cookie)).IsSuccessStatusCode);
        gate.SetResult();

        Assert.Equal("red", await (await reader).Content.ReadAsStringAsync());
        Assert.Equal("blue", await (await app.GetAsync("/get/colour", cookie)).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_request_in_flight_keeps_the_cookie_lifetime_another_request_set_meanwhile()
    {
        var store = await CreateStoreAsync();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var loaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await KestrelSessionApp.StartAsync(store, null, a => MapEndpoints(a, gate, loaded));
        var cookie = KestrelSessionApp.CookieOf(await app.GetAsync("/set/seed"));
        var id = KestrelSessionApp.SessionIdOf(cookie);

        var slow = app.GetAsync("/slow/late", cookie);        // loads the ten-minute session, then waits
        await loaded.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True((await app.GetAsync("/lifetime/20", cookie)).IsSuccessStatusCode); // another request makes it twenty
        gate.SetResult();                                      // the slow request sets its key and commits
        Assert.True((await slow).IsSuccessStatusCode);

        var stored = await store.GetAsync(id);
        Assert.NotNull(stored);
        Assert.True(stored.TryGetRawValue("late", out _), "The slow request's key was lost.");
        Assert.True(stored.TryGetRawValue("lifetime", out _), "The other request's key was lost.");
        Assert.Equal(TimeSpan.FromMinutes(20), stored.Cookie.OriginalMaxAge);
        Assert.InRange(stored.Cookie.Expires!.Value, DateTimeOffset.UtcNow + TimeSpan.FromMinutes(19), DateTimeOffset.UtcNow + TimeSpan.FromMinutes(21));
    }

    [Fact]
    public async Task A_write_keeps_its_change_when_another_instance_commits_before_each_of_its_first_fifteen_attempts()
    {
        var (store, app, cookie) = await StartWithAnotherInstanceAsync();
        await using var _ = app;

        store.Intervene(15);
        var response = await app.GetAsync("/set/mine", cookie);

        Assert.True(response.IsSuccessStatusCode, $"status {(int)response.StatusCode}");
        Assert.Equal(15, store.Interventions);
        var keys = await KeysAsync(app, cookie);
        Assert.Equal(store.KeysSet.Append("mine").Append("seed").Order(StringComparer.Ordinal), keys);
    }

    [Fact]
    public async Task A_renewal_keeps_its_change_when_another_instance_commits_before_each_of_its_first_fifteen_attempts()
    {
        var (store, app, cookie) = await StartWithAnotherInstanceAsync();
        await using var _ = app;

        store.Intervene(15);
        var response = await app.GetAsync("/renew/mine", cookie);

        Assert.True(response.IsSuccessStatusCode, $"status {(int)response.StatusCode}");
        Assert.Equal(15, store.Interventions);
        var renewed = KestrelSessionApp.CookieOf(response);
        Assert.NotEqual(KestrelSessionApp.SessionIdOf(cookie), KestrelSessionApp.SessionIdOf(renewed));
        var keys = await KeysAsync(app, renewed);
        Assert.Equal(store.KeysSet.Append("mine").Append("seed").Order(StringComparer.Ordinal), keys);
        Assert.Equal("", await (await app.GetAsync("/keys", cookie)).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_write_that_keeps_meeting_another_instances_commits_fails_once_the_store_timeout_has_passed_and_writes_nothing()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (store, app, cookie) = await StartWithAnotherInstanceAsync(o => o.StoreTimeout = TimeSpan.FromSeconds(5), time);
        await using var _ = app;
        using var logs = new LeakRecorder();
        logs.Attach(app.Services);
        var id = KestrelSessionApp.SessionIdOf(cookie);

        // The other instance commits before every attempt, each time a second later.
        store.Intervene(int.MaxValue, () => time.Advance(TimeSpan.FromSeconds(1)));
        // The endpoint's chunked response has started: the failed save aborts it, so that the
        // client never sees it end as if the session were stored.
        await Assert.ThrowsAsync<HttpRequestException>(() => app.GetAsync("/set/mine", cookie));

        // Conflicts at 1 s, 2 s, … after the first attempt began: the sixth comes 5 s after the first.
        Assert.Equal(6, store.Interventions);
        var failures = logs.Exceptions.OfType<SessionStoreException>().ToList();
        Assert.NotEmpty(failures);
        Assert.All(failures, f => Assert.Contains("6 conditional writes in a row", f.Message, StringComparison.Ordinal));
        logs.AssertNoneContains([id]);
        var stored = await store.GetAsync(id);
        Assert.NotNull(stored);
        Assert.Equal(store.KeysSet.Append("seed"), stored.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_write_that_keeps_meeting_another_instances_commits_while_the_clock_stands_still_fails_after_a_hundred_attempts()
    {
        var (store, app, cookie) = await StartWithAnotherInstanceAsync(time: new FakeTimeProvider(DateTimeOffset.UtcNow));
        await using var _ = app;

        store.Intervene(int.MaxValue);
        await Assert.ThrowsAsync<HttpRequestException>(() => app.GetAsync("/set/mine", cookie));

        Assert.Equal(100, store.Interventions);
        var stored = await store.GetAsync(KestrelSessionApp.SessionIdOf(cookie));
        Assert.NotNull(stored);
        Assert.DoesNotContain("mine", stored.Keys);
    }
}
