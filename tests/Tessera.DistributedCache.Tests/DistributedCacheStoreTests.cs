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
    public async Task The_expiry_is_the_time_the_cookie_has_left_as_an_absolute_expiry_and_never_sliding()
    {
        await NewStore().SetAsync("abc", NewSession(TimeSpan.FromMinutes(10)));

        var options = _cache.LastOptions!;
        Assert.Equal(TimeSpan.FromMinutes(10), options.AbsoluteExpirationRelativeToNow);
        Assert.Null(options.AbsoluteExpiration);
        Assert.Null(options.SlidingExpiration);
    }

    [Fact]
    public async Task Reading_a_session_does_not_extend_it()
    {
        var store = NewStore();
        await store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10)));

        _time.Advance(TimeSpan.FromMinutes(9));
        Assert.NotNull(await store.GetAsync("abc"));
        _time.Advance(TimeSpan.FromMinutes(1));

        Assert.Null(await store.GetAsync("abc"));
    }

    [Fact]
    public async Task A_session_without_a_cookie_expiry_is_kept_for_the_default_lifetime()
    {
        var store = NewStore(o => o.DefaultLifetime = TimeSpan.FromHours(2));
        await store.SetAsync("abc", NewSession(maxAge: null));

        _time.Advance(TimeSpan.FromHours(2) - TimeSpan.FromMilliseconds(1));
        Assert.NotNull(await store.GetAsync("abc"));
        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Null(await store.GetAsync("abc"));
    }

    [Fact]
    public async Task A_touch_keeps_the_stored_values_re_arms_the_stored_cookie_and_never_refreshes()
    {
        var store = NewStore();
        var stored = NewSession(TimeSpan.FromMinutes(10), ("views", "1"));
        await store.SetAsync("abc", stored);
        _time.Advance(TimeSpan.FromMinutes(3));

        await store.TouchAsync("abc", NewSession(TimeSpan.FromMinutes(30), ("views", "2")));

        var document = SessionData.Parse((await _cache.GetAsync("sess:abc"))!, _time);
        Assert.True(document.TryGetRawValue("views", out var views));
        Assert.Equal("1", Encoding.UTF8.GetString(views.Span));
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromMinutes(30), document.Expires);
        Assert.Equal(_time.GetUtcNow(), document.LastSeen);
        Assert.Equal(TimeSpan.FromMinutes(30), _cache.LastOptions!.AbsoluteExpirationRelativeToNow);
        Assert.DoesNotContain(_cache.Calls, call => call.StartsWith("Refresh", StringComparison.Ordinal));
        _time.Advance(TimeSpan.FromMinutes(30) - TimeSpan.FromMilliseconds(1));
        Assert.NotNull(await store.GetAsync("abc"));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Null(await store.GetAsync("abc"));
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
        var store = new LoadBarrierStore(new DistributedCacheStore(new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()))));
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
        Assert.Throws<ArgumentOutOfRangeException>(() => new ServiceCollection().AddTessera().AddDistributedCacheStore(o => o.DefaultLifetime = TimeSpan.FromSeconds(-1)));
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
