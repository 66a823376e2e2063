using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Tessera.StoreConformance;

namespace Tessera.DistributedCache.Tests;

/// <summary>The distributed-cache store's format, expiry and registration, over a memory cache on a fake clock.</summary>
public sealed class DistributedCacheStoreTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Start);
    private readonly RecordingCache _cache;

    public DistributedCacheStoreTests()
    {
        _cache = new RecordingCache(new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions { Clock = new FakeSystemClock(_time) })));
    }

    [Fact]
    public async Task A_session_is_the_cache_entry_sess_and_its_id_holding_the_exact_UTF8_document()
    {
        var data = NewSession(TimeSpan.FromMinutes(10), ("views", "3"), ("name", "\"Zoë 😀\""));

        await NewStore().SetAsync("abc", data);

        Assert.Equal(
            """{"cookie":{"originalMaxAge":600000,"expires":"2026-11-29T12:10:00.000Z","httpOnly":true,"path":"/"},"views":3,"name":"Zoë 😀"}""",
            Encoding.UTF8.GetString((await _cache.GetAsync("sess:abc"))!));
    }

    [Fact]
    public async Task A_document_written_by_express_session_is_read_and_written_back_unchanged()
    {
        const string Node = """{"cookie":{"originalMaxAge":60000,"expires":"2026-11-29T12:01:00.000Z","secure":false,"httpOnly":true,"path":"/","sameSite":"lax"},"passport":{"user":"42"},"views":1}""";
        await _cache.SetAsync("sess:from-node", Encoding.UTF8.GetBytes(Node), new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(1) });
        var store = NewStore();

        var data = await store.GetAsync("from-node");
        await store.SetAsync("from-node", data!);

        Assert.Equal(Node, Encoding.UTF8.GetString((await _cache.GetAsync("sess:from-node"))!));
    }

    [Fact]
    public async Task The_key_prefix_option_names_the_entries()
    {
        await NewStore(o => o.KeyPrefix = "myapp:").SetAsync("abc", NewSession(TimeSpan.FromMinutes(10)));

        Assert.NotNull(await _cache.GetAsync("myapp:abc"));
        Assert.Null(await _cache.GetAsync("sess:abc"));
        Assert.Null(await NewStore().GetAsync("abc"));
    }

    [Fact]
    public async Task The_expiry_slides_by_the_time_the_cookie_has_left()
    {
        await NewStore().SetAsync("abc", NewSession(TimeSpan.FromMinutes(10)));

        var options = _cache.LastOptions!;
        Assert.Equal(TimeSpan.FromMinutes(10), options.SlidingExpiration);
        Assert.Null(options.AbsoluteExpiration);
        Assert.Null(options.AbsoluteExpirationRelativeToNow);
    }

    [Fact]
    public async Task Reading_a_session_renews_it_for_its_lifetime_and_reports_that_expiry()
    {
        var store = NewStore();
        await store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10)));

        _time.Advance(TimeSpan.FromMinutes(9));
        var read = await store.GetAsync("abc");
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromMinutes(10), read!.StoreExpires);
        Assert.Equal(_time.GetUtcNow(), read.LastSeen);
        _time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromMilliseconds(1));
        Assert.NotNull(await store.GetAsync("abc"));
        _time.Advance(TimeSpan.FromMinutes(10));

        Assert.Null(await store.GetAsync("abc"));
    }

    [Fact]
    public async Task A_session_without_a_cookie_expiry_is_kept_for_the_default_lifetime()
    {
        var store = NewStore(o => o.DefaultLifetime = TimeSpan.FromHours(2));
        await store.SetAsync("abc", NewSession(maxAge: null));

        Assert.Equal(TimeSpan.FromHours(2), _cache.LastOptions!.SlidingExpiration);
        _time.Advance(TimeSpan.FromHours(2));

        Assert.Null(await store.GetAsync("abc"));
    }

    [Fact]
    public async Task A_touch_is_a_refresh_that_writes_nothing()
    {
        var store = NewStore();
        await store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "1")));
        var written = await _cache.GetAsync("sess:abc");
        _time.Advance(TimeSpan.FromMinutes(9));
        var calls = _cache.Calls.Count;

        await store.TouchAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "2")));

        Assert.Equal(["Refresh sess:abc"], _cache.Calls.Skip(calls));
        Assert.Equal(written, await _cache.GetAsync("sess:abc"));
        _time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromMilliseconds(1));
        Assert.Equal("1", Value(await store.GetAsync("abc"), "views"));
    }

    [Fact]
    public async Task A_session_destroyed_while_a_touch_is_under_way_stays_destroyed()
    {
        var held = new HeldCallCache(_cache);
        var store = new DistributedCacheStore(held, timeProvider: _time);
        await store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "1")));
        var read = await store.GetAsync("abc");
        read!.Cookie.ResetMaxAge();

        // A read-only request touches the session; its cache call has run when another request destroys it.
        held.Arm();
        var touch = store.TouchAsync("abc", read).AsTask();
        await held.Held.WaitAsync();
        await store.DestroyAsync("abc");
        held.Release.Open();
        await touch;

        Assert.Null(await store.GetAsync("abc"));
        Assert.Null(await _cache.GetAsync("sess:abc"));
    }

    [Fact]
    public async Task A_write_made_while_a_touch_is_under_way_is_kept()
    {
        var held = new HeldCallCache(_cache);
        var store = new DistributedCacheStore(held, timeProvider: _time);
        await store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "1")));
        var read = await store.GetAsync("abc");
        read!.Cookie.ResetMaxAge();

        // A read-only request touches the session; its cache call has run when another request writes it.
        held.Arm();
        var touch = store.TouchAsync("abc", read).AsTask();
        await held.Held.WaitAsync();
        await store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "2")));
        held.Release.Open();
        await touch;

        Assert.Equal("2", Value(await store.GetAsync("abc"), "views"));
    }

    [Fact]
    public async Task A_touch_with_an_expired_cookie_removes_the_session()
    {
        var store = NewStore();
        await store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10)));
        var expired = NewSession(TimeSpan.FromMinutes(10));
        expired.Cookie.Expires = Start.AddSeconds(-1);

        await store.TouchAsync("abc", expired);

        Assert.Null(await _cache.GetAsync("sess:abc"));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{}")]
    [InlineData("{\"cookie\":1}")]
    public async Task An_unreadable_entry_is_a_missing_session(string value)
    {
        await _cache.SetAsync("sess:bad", Encoding.UTF8.GetBytes(value), new DistributedCacheEntryOptions());

        Assert.Null(await NewStore().GetAsync("bad"));
    }

    [Fact]
    public async Task Parallel_requests_to_one_session_overwrite_each_others_changes()
    {
        const int Parallel = 20;
        // On the system clock: the app's requests stamp their cookies with it.
        var store = LoadBarrierStore.Over(new DistributedCacheStore(new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()))));
        await using var app = await KestrelSessionApp.StartAsync(store, null, a =>
        {
            a.MapGet("/set/{key}", (string key, Session session) =>
            {
                session.Set(key, "set");
                return "ok";
            });
            a.MapGet("/keys", (Session session) => string.Join(",", session.Keys));
        });
        var cookie = KestrelSessionApp.CookieOf(await app.GetAsync("/set/seed"));

        store.Arm(Parallel);
        var responses = await Task.WhenAll(Enumerable.Range(0, Parallel).Select(i => app.GetAsync($"/set/k{i}", cookie)));

        Assert.All(responses, r => Assert.True(r.IsSuccessStatusCode));
        Assert.True(store.Met);
        var kept = (await (await app.GetAsync("/keys", cookie)).Content.ReadAsStringAsync()).Split(',').Count(k => k.StartsWith('k'));
        Assert.True(kept < Parallel, $"All {Parallel} keys were kept although every request read the same version.");
    }

    [Fact]
    public async Task SessionIndex_says_that_this_store_keeps_no_index_of_sessions_by_user()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDistributedMemoryCache();
        services.AddTessera(o => o.Secrets = ["keyboard cat"]).AddDistributedCacheStore();
        await using var provider = services.BuildServiceProvider();

        var error = await Assert.ThrowsAsync<NotSupportedException>(async () => await provider.GetRequiredService<SessionIndex>().ListAsync("alice"));
        Assert.Contains("DistributedCacheStore", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddDistributedCacheStore_keeps_sessions_in_the_applications_IDistributedCache()
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddSingleton<IDistributedCache>(_cache);
        services.AddTessera().AddDistributedCacheStore(o => o.KeyPrefix = "di:");
        await using var provider = services.BuildServiceProvider();

        var store = Assert.IsType<DistributedCacheStore>(provider.GetRequiredService<ISessionStore>());
        await store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(1)));

        Assert.NotNull(await _cache.GetAsync("di:abc"));
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Null(await store.GetAsync("abc"));
    }

    [Fact]
    public async Task AddDistributedCacheStore_without_an_IDistributedCache_says_what_is_missing()
    {
        var services = new ServiceCollection();
        services.AddTessera().AddDistributedCacheStore();
        await using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<ISessionStore>());
        Assert.Contains("IDistributedCache", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_are_checked()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => NewStore(o => o.DefaultLifetime = TimeSpan.Zero));
        Assert.Throws<ArgumentNullException>(() => NewStore(o => o.KeyPrefix = null!));
        Assert.Throws<ArgumentNullException>(() => new DistributedCacheStore(null!));
    }

    [Fact]
    public async Task Later_changes_to_the_options_have_no_effect()
    {
        var options = new DistributedCacheStoreOptions { KeyPrefix = "first:" };
        var store = new DistributedCacheStore(_cache, options, _time);
        options.KeyPrefix = "second:";

        await store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10)));

        Assert.NotNull(await _cache.GetAsync("first:abc"));
    }

    private DistributedCacheStore NewStore(Action<DistributedCacheStoreOptions>? configure = null)
    {
        var options = new DistributedCacheStoreOptions();
        configure?.Invoke(options);
        return new DistributedCacheStore(_cache, options, _time);
    }

    private static string? Value(SessionData? data, string key) =>
        data is not null && data.TryGetRawValue(key, out var json) ? Encoding.UTF8.GetString(json.Span) : null;

    private SessionData NewSession(TimeSpan? maxAge, params (string Key, string Json)[] values)
    {
        var data = new SessionData(new SessionCookie(_time) { MaxAge = maxAge });
        foreach (var (key, json) in values)
        {
            data.SetRawValue(key, Encoding.UTF8.GetBytes(json));
        }

        return data;
    }
}
