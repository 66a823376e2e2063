using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;
using Tessera.TestServers;

namespace Tessera.Redis.Tests;

/// <summary>connect-redis's format and behaviour, checked in Redis itself.</summary>
public sealed class RedisStoreTests(RedisServer server) : IClassFixture<RedisServer>, IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Start);
    private ConnectionMultiplexer _connection = null!;

    private IDatabase Database => _connection.GetDatabase();

    private IServer Server => _connection.GetServers()[0];

    public async Task InitializeAsync()
    {
        // A generous client timeout: some tests here send a thousand commands at once, which on a
        // loaded two-core machine can take longer than the client's default of five seconds.
        _connection = await ConnectionMultiplexer.ConnectAsync(server.Configuration + ",allowAdmin=true,asyncTimeout=60000,syncTimeout=60000");
        await Server.FlushAllDatabasesAsync();
    }

    public async Task DisposeAsync() => await _connection.DisposeAsync();

    [Fact]
    public async Task A_session_is_the_string_key_sess_and_its_id_holding_the_exact_JSON_document()
    {
        var store = NewStore();
        var data = NewSession(TimeSpan.FromMinutes(10), ("views", "3"), ("name", "\"Zoë 😀\""));

        await store.SetAsync("abc", data);

        Assert.Equal(RedisType.String, await Database.KeyTypeAsync("sess:abc"));
        Assert.Equal(data.ToUtf8Json(), (byte[]?)await Database.StringGetAsync("sess:abc"));
        Assert.Equal(
            """{"cookie":{"originalMaxAge":600000,"expires":"2026-11-29T12:10:00.000Z","httpOnly":true,"path":"/"},"views":3,"name":"Zoë 😀"}""",
            (string?)await Database.StringGetAsync("sess:abc"));
        Assert.Equal(["sess:abc"], await KeysAsync());
    }

    [Fact]
    public async Task A_session_written_by_connect_redis_is_read_and_written_back_unchanged()
    {
        const string Node = """{"cookie":{"originalMaxAge":60000,"expires":"2026-11-29T12:01:00.000Z","secure":false,"httpOnly":true,"path":"/","sameSite":"lax"},"passport":{"user":"42"},"views":1}""";
        await Database.StringSetAsync("sess:from-node", Node, TimeSpan.FromSeconds(60));
        var store = NewStore();

        var data = await store.GetAsync("from-node");
        Assert.NotNull(data);
        await store.SetAsync("from-node", data);

        Assert.Equal(Node, (string?)await Database.StringGetAsync("sess:from-node"));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(999, 1)]
    [InlineData(1000, 1)]
    [InlineData(1001, 2)]
    [InlineData(10_001, 11)]
    [InlineData(60_000, 60)]
    [InlineData(86_400_000, 86_400)]
    public async Task The_TTL_is_the_seconds_until_the_cookie_expires_rounded_up(long milliseconds, long seconds)
    {
        var store = NewStore();
        var data = NewSession(TimeSpan.FromMilliseconds(milliseconds));

        Assert.Equal(seconds, store.TtlSeconds(data));
        await store.SetAsync("abc", data);

        RedisAssert.TtlIs(seconds, (await Database.KeyTimeToLiveAsync("sess:abc"))!.Value);
    }

    [Fact]
    public void The_TTL_is_counted_from_the_whole_millisecond_as_JavaScript_does()
    {
        var store = NewStore();
        var data = NewSession(TimeSpan.FromSeconds(2)); // expires at Start + 2 s

        _time.Advance(TimeSpan.FromTicks(9_999)); // 0.9999 ms later: Date.now() is still Start

        Assert.Equal(2, store.TtlSeconds(data));
    }

    [Fact]
    public async Task A_cookie_without_expiry_gets_a_TTL_of_one_day_or_the_configured_default()
    {
        await NewStore().SetAsync("day", NewSession(maxAge: null));
        await NewStore(o => o.DefaultLifetime = TimeSpan.FromHours(2)).SetAsync("two-hours", NewSession(maxAge: null));

        RedisAssert.TtlIs(86_400, (await Database.KeyTimeToLiveAsync("sess:day"))!.Value);
        RedisAssert.TtlIs(7_200, (await Database.KeyTimeToLiveAsync("sess:two-hours"))!.Value);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(-86_400_000)]
    public async Task Setting_a_session_whose_TTL_is_zero_or_less_deletes_the_key(long milliseconds)
    {
        var store = NewStore();
        await store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10)));
        var expired = NewSession(TimeSpan.FromMinutes(10));
        expired.Cookie.Expires = Start.AddMilliseconds(milliseconds);

        Assert.True(store.TtlSeconds(expired) <= 0);
        await store.SetAsync("abc", expired);

        Assert.False(await Database.KeyExistsAsync("sess:abc"));
    }

    [Fact]
    public async Task Touch_is_EXPIRE_with_the_new_TTL_and_leaves_the_document()
    {
        var store = NewStore();
        var data = NewSession(TimeSpan.FromMinutes(10), ("views", "1"));
        await store.SetAsync("abc", data);

        await store.TouchAsync("abc", NewSession(TimeSpan.FromMinutes(30), ("views", "2")));

        Assert.Equal(data.ToJson(), (string?)await Database.StringGetAsync("sess:abc"));
        RedisAssert.TtlIs(1_800, (await Database.KeyTimeToLiveAsync("sess:abc"))!.Value);
    }

    [Fact]
    public async Task After_a_touch_a_read_reports_the_new_expiry_as_StoreExpires_while_the_cookie_keeps_the_old_one()
    {
        var store = NewStore();
        var data = NewSession(TimeSpan.FromMinutes(10), ("views", "1"));
        await store.SetAsync("abc", data);
        _time.Advance(TimeSpan.FromMinutes(4));
        var touched = NewSession(TimeSpan.FromMinutes(10), ("views", "1"));

        await store.TouchAsync("abc", touched);
        var read = await store.GetAsync("abc");

        Assert.NotNull(read);
        Assert.Equal(Start.AddMinutes(10), read.Cookie.Expires);
        Assert.NotNull(read.StoreExpires);
        Assert.InRange(read.StoreExpires.Value, Start.AddMinutes(14).AddSeconds(-1), Start.AddMinutes(14).AddSeconds(1));
        Assert.Equal(Start.AddMinutes(4), read.LastSeen!.Value, TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task A_read_reports_the_expiry_the_key_has_as_StoreExpires()
    {
        var store = NewStore();
        await store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10)));

        var read = await store.GetAsync("abc");

        Assert.NotNull(read?.StoreExpires);
        Assert.InRange(read.StoreExpires.Value, Start.AddMinutes(10).AddSeconds(-1), Start.AddMinutes(10).AddSeconds(1));
    }

    [Fact]
    public async Task A_key_without_TTL_reads_with_no_StoreExpires()
    {
        const string Node = """{"cookie":{"originalMaxAge":60000,"expires":"2026-11-29T12:01:00.000Z","httpOnly":true,"path":"/"},"views":1}""";
        await Database.StringSetAsync("sess:forever", Node);

        var read = await NewStore().GetAsync("forever");

        Assert.NotNull(read);
        Assert.Null(read.StoreExpires);
        Assert.Equal(Node, (string?)(RedisValue)read.StoreVersion!);
    }

    [Fact]
    public async Task Touch_of_a_missing_session_creates_no_key()
    {
        await NewStore().TouchAsync("missing", NewSession(TimeSpan.FromMinutes(30)));

        Assert.False(await Database.KeyExistsAsync("sess:missing"));
    }

    [Fact]
    public async Task Touch_with_an_expired_cookie_deletes_the_key()
    {
        var store = NewStore();
        await store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10)));
        var expired = NewSession(TimeSpan.FromMinutes(10));
        expired.Cookie.Expires = Start.AddSeconds(-5);

        await store.TouchAsync("abc", expired);

        Assert.False(await Database.KeyExistsAsync("sess:abc"));
    }

    [Fact]
    public async Task Touch_does_nothing_when_DisableTouch_is_set()
    {
        var store = NewStore(o => o.DisableTouch = true);
        await store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10)));

        await store.TouchAsync("abc", NewSession(TimeSpan.FromMinutes(30)));

        RedisAssert.TtlIs(600, (await Database.KeyTimeToLiveAsync("sess:abc"))!.Value);
    }

    [Fact]
    public async Task A_read_with_touch_returns_the_session_moves_the_TTL_and_leaves_the_document()
    {
        var store = NewStore();
        var data = NewSession(TimeSpan.FromMinutes(10), ("views", "1"));
        await store.SetAsync("abc", data);

        var read = await store.GetAndTouchAsync("abc", Start.AddMinutes(30));

        Assert.NotNull(read);
        Assert.True(read.TryGetRawValue("views", out var views));
        Assert.Equal("1"u8.ToArray(), views.ToArray());
        Assert.Equal(Start.AddMinutes(30), read.StoreExpires);
        Assert.Equal(data.ToJson(), (string?)(RedisValue)read.StoreVersion!);
        Assert.Equal(data.ToJson(), (string?)await Database.StringGetAsync("sess:abc"));
        RedisAssert.TtlIs(1_800, (await Database.KeyTimeToLiveAsync("sess:abc"))!.Value);
    }

    [Fact]
    public async Task A_read_with_touch_of_a_missing_session_creates_no_key()
    {
        Assert.Null(await NewStore().GetAndTouchAsync("missing", Start.AddMinutes(30)));

        Assert.False(await Database.KeyExistsAsync("sess:missing"));
    }

    [Fact]
    public async Task A_read_with_touch_only_reads_when_DisableTouch_is_set()
    {
        var store = NewStore(o => o.DisableTouch = true);
        await store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10)));

        Assert.NotNull(await store.GetAndTouchAsync("abc", Start.AddMinutes(30)));

        RedisAssert.TtlIs(600, (await Database.KeyTimeToLiveAsync("sess:abc"))!.Value);
    }

    [Fact]
    public async Task The_prefix_names_the_keys_and_scopes_listing_counting_and_clearing()
    {
        var mine = NewStore(o => o.KeyPrefix = "app1:");
        var other = NewStore();
        await mine.SetAsync("x", NewSession(TimeSpan.FromMinutes(10), ("app", "1")));
        await other.SetAsync("x", NewSession(TimeSpan.FromMinutes(10), ("app", "0")));
        await Database.StringSetAsync("unrelated", "keep me");

        Assert.Equal(["app1:x", "sess:x", "unrelated"], await KeysAsync());
        Assert.Equal(["x"], (await mine.AllAsync()).Keys);
        Assert.Equal(1, await mine.CountAsync());

        await mine.ClearAsync();

        Assert.Equal(["sess:x", "unrelated"], await KeysAsync());
    }

    [Fact]
    public async Task A_prefix_with_glob_characters_matches_only_itself()
    {
        var store = NewStore(o => o.KeyPrefix = "a*b?[c]\\:");
        await store.SetAsync("1", NewSession(TimeSpan.FromMinutes(10)));
        await Database.StringSetAsync("aXXbY[c]\\:2", "a look-alike");
        await Database.StringSetAsync("aXbYc\\:3", "a look-alike");

        Assert.Equal(["1"], (await store.AllAsync()).Keys);
        await store.ClearAsync();

        Assert.Equal(["aXXbY[c]\\:2", "aXbYc\\:3"], await KeysAsync());
    }

    [Fact]
    public async Task Listing_counting_and_clearing_walk_many_SCAN_pages_and_never_use_KEYS()
    {
        const int sessions = 1_000;
        var store = NewStore(o => o.ScanCount = 10);
        var writes = new List<Task>();
        for (var i = 0; i < sessions; i++)
        {
            writes.Add(store.SetAsync($"id{i}", NewSession(TimeSpan.FromMinutes(10), ("n", i.ToString(System.Globalization.CultureInfo.InvariantCulture)))).AsTask());
        }

        await Task.WhenAll(writes);
        await Database.StringSetAsync("unrelated", "keep me");
        await Server.ConfigResetStatisticsAsync();

        Assert.Equal(sessions, await store.CountAsync());
        Assert.Equal(sessions, (await store.AllAsync()).Count);
        await store.ClearAsync();

        Assert.Equal(0, await store.CountAsync());
        Assert.Equal(["unrelated"], await KeysAsync());
        var stats = await CommandStatsAsync();
        // Three walks of a thousand keys, ten at a time: dozens of SCAN steps each.
        Assert.True(stats.GetValueOrDefault("scan") >= 3 * 30, $"SCAN calls: {stats.GetValueOrDefault("scan")}");
        Assert.False(stats.ContainsKey("keys"), "KEYS was used.");

        // One single-key command per key (DEL, or UNLINK where the server has it): cluster-safe.
        Assert.Equal(sessions, stats.GetValueOrDefault("del") + stats.GetValueOrDefault("unlink"));
        Assert.Equal(sessions, stats.GetValueOrDefault("get"));
        Assert.False(stats.ContainsKey("mget"), "A multi-key read was used.");
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{}")]
    [InlineData("[1,2]")]
    [InlineData("{\"cookie\":1}")]
    [InlineData("{\"cookie\":{}")]
    public async Task An_unreadable_value_is_a_missing_session(string value)
    {
        var store = NewStore();
        await Database.StringSetAsync("sess:bad", value);
        await store.SetAsync("good", NewSession(TimeSpan.FromMinutes(10)));

        Assert.Null(await store.GetAsync("bad"));
        Assert.Equal(["good"], (await store.AllAsync()).Keys);
    }

    [Fact]
    public async Task A_value_that_is_not_UTF8_is_a_missing_session()
    {
        await Database.StringSetAsync("sess:bad", new byte[] { 0x7B, 0xFF, 0xFE, 0x7D });

        Assert.Null(await NewStore().GetAsync("bad"));
    }

    [Fact]
    public async Task The_database_option_chooses_the_database()
    {
        var store = NewStore(o => o.Database = 3);

        await store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10)));

        Assert.True(await _connection.GetDatabase(3).KeyExistsAsync("sess:abc"));
        Assert.False(await Database.KeyExistsAsync("sess:abc"));
        Assert.Equal(1, await store.CountAsync());
        Assert.Equal(0, await NewStore().CountAsync());
        await store.ClearAsync();
        Assert.False(await _connection.GetDatabase(3).KeyExistsAsync("sess:abc"));
    }

    [Fact]
    public void Options_are_checked()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => NewStore(o => o.DefaultLifetime = TimeSpan.FromMilliseconds(500)));
        Assert.Throws<ArgumentOutOfRangeException>(() => NewStore(o => o.ScanCount = 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => NewStore(o => o.Database = -2));
        Assert.Throws<ArgumentNullException>(() => NewStore(o => o.KeyPrefix = null!));
        Assert.Throws<ArgumentException>(() => new RedisStore(new RedisStoreOptions()));
    }

    [Fact]
    public async Task IsReady_follows_the_connection_through_a_server_restart()
    {
        await using var own = await RedisServer.StartNewAsync();
        await using var store = new RedisStore(new RedisStoreOptions { Configuration = own.Configuration + ",connectRetry=1,connectTimeout=2000" }, _time);

        Assert.True(store.IsReady); // not tried yet: the first call connects
        await store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10)));
        Assert.True(store.IsReady);

        await own.StopAsync();
        await WaitUntilAsync(() => !store.IsReady, "IsReady stayed true after the server was killed.");
        Assert.False(store.IsReady);

        await own.StartAsync();
        await WaitUntilAsync(() => store.IsReady, "IsReady stayed false after the server came back.");
        Assert.Null(await store.GetAsync("abc")); // the server keeps nothing across a restart
        await store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10)));
        Assert.NotNull(await store.GetAsync("abc"));
    }

    [Fact]
    public async Task AddRedisStore_with_a_configuration_string_opens_and_closes_its_own_connection()
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddTessera().AddRedisStore(server.Configuration, o => o.KeyPrefix = "di:");
        RedisStore store;
        await using (var provider = services.BuildServiceProvider())
        {
            store = Assert.IsType<RedisStore>(provider.GetRequiredService<ISessionStore>());
            await store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10)));
            Assert.True(await Database.KeyExistsAsync("di:abc"));
        }

        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await store.GetAsync("abc"));
    }

    [Fact]
    public async Task AddRedisStore_without_a_configuration_uses_the_applications_connection_and_leaves_it_open()
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddSingleton<IConnectionMultiplexer>(_connection);
        services.AddTessera().AddRedisStore();
        await using (var provider = services.BuildServiceProvider())
        {
            var store = Assert.IsType<RedisStore>(provider.GetRequiredService<ISessionStore>());
            await store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10)));
        }

        Assert.True(_connection.IsConnected);
        Assert.True(await Database.KeyExistsAsync("sess:abc"));
    }

    [Fact]
    public async Task A_disposed_store_refuses_calls_and_leaves_a_given_connection_open()
    {
        var store = NewStore();

        await store.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await store.GetAsync("abc"));
        Assert.True(_connection.IsConnected);
    }

    [Fact]
    public async Task AddRedisStore_without_a_configuration_or_a_connection_says_what_is_missing()
    {
        var services = new ServiceCollection();
        services.AddTessera().AddRedisStore();
        await using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<ISessionStore>());
        Assert.Contains("IConnectionMultiplexer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_version_of_a_session_read_is_the_exact_value_of_its_key()
    {
        const string Node = """{"cookie":{"originalMaxAge":60000,"expires":"2026-11-29T12:01:00.000Z","httpOnly":true,"path":"/"},"views":1}""";
        await Database.StringSetAsync("sess:from-node", Node, TimeSpan.FromSeconds(60));

        var data = await NewStore().GetAsync("from-node");

        var version = Assert.IsType<RedisValue>(data!.StoreVersion);
        Assert.Equal(Encoding.UTF8.GetBytes(Node), (byte[]?)version);
    }

    [Fact]
    public async Task The_version_of_a_session_written_is_the_document_written()
    {
        var store = NewStore();
        var data = NewSession(TimeSpan.FromMinutes(10), ("views", "1"));

        var version = Assert.IsType<RedisValue>(await store.SetAsync("abc", data));

        Assert.Equal((byte[]?)await Database.StringGetAsync("sess:abc"), (byte[]?)version);
        var next = NewSession(TimeSpan.FromMinutes(10), ("views", "2"));
        var written = Assert.IsType<RedisValue>(await store.TrySetAsync("abc", next, version));
        Assert.Equal((byte[]?)await Database.StringGetAsync("sess:abc"), (byte[]?)written);
    }

    [Fact]
    public async Task A_conditional_write_keeps_connect_redis_format_and_TTL()
    {
        const string Node = """{"cookie":{"originalMaxAge":60000,"expires":"2026-11-29T12:01:00.000Z","secure":false,"httpOnly":true,"path":"/","sameSite":"lax"},"passport":{"user":"42"},"views":1}""";
        await Database.StringSetAsync("sess:from-node", Node, TimeSpan.FromSeconds(60));
        var store = NewStore();
        var data = await store.GetAsync("from-node");
        data!.SetRawValue("views", "2"u8);
        data.Cookie.MaxAge = TimeSpan.FromMinutes(30);

        Assert.NotNull(await store.TrySetAsync("from-node", data, data.StoreVersion!));

        Assert.Equal(RedisType.String, await Database.KeyTypeAsync("sess:from-node"));
        Assert.Equal(
            """{"cookie":{"originalMaxAge":1800000,"expires":"2026-11-29T12:30:00.000Z","secure":false,"httpOnly":true,"path":"/","sameSite":"lax"},"passport":{"user":"42"},"views":2}""",
            (string?)await Database.StringGetAsync("sess:from-node"));
        RedisAssert.TtlIs(1_800, (await Database.KeyTimeToLiveAsync("sess:from-node"))!.Value);
        Assert.Equal(["sess:from-node"], await KeysAsync());
    }

    [Fact]
    public async Task A_write_by_another_application_makes_a_conditional_write_fail()
    {
        var store = NewStore();
        await store.SetAsync("shared", NewSession(TimeSpan.FromMinutes(10), ("views", "1")));
        var read = await store.GetAsync("shared");

        // express-session and connect-redis on Node.js write the same session meanwhile.
        const string Node = """{"cookie":{"originalMaxAge":600000,"expires":"2026-11-29T12:10:00.000Z","httpOnly":true,"path":"/"},"views":5}""";
        await Database.StringSetAsync("sess:shared", Node, TimeSpan.FromSeconds(600));
        read!.SetRawValue("views", "2"u8);

        Assert.Null(await store.TrySetAsync("shared", read, read.StoreVersion!));
        Assert.Equal(Node, (string?)await Database.StringGetAsync("sess:shared"));
    }

    [Fact]
    public async Task A_conditional_write_over_an_old_version_leaves_the_key_and_its_TTL_alone()
    {
        var store = NewStore();
        var first = (await store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "1"))))!;
        var second = NewSession(TimeSpan.FromMinutes(20), ("views", "2"));
        Assert.NotNull(await store.TrySetAsync("abc", second, first));
        var expired = NewSession(TimeSpan.FromMinutes(10), ("views", "3"));
        expired.Cookie.Expires = Start.AddSeconds(-1);

        Assert.Null(await store.TrySetAsync("abc", NewSession(TimeSpan.FromMinutes(30), ("views", "3")), first));
        Assert.Null(await store.TrySetAsync("abc", expired, first));

        Assert.Equal(second.ToJson(), (string?)await Database.StringGetAsync("sess:abc"));
        RedisAssert.TtlIs(1_200, (await Database.KeyTimeToLiveAsync("sess:abc"))!.Value);
    }

    [Fact]
    public async Task A_conditional_write_is_one_script_on_the_sessions_one_key_sent_by_its_SHA()
    {
        var store = NewStore();
        var version = (await store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("n", "0"))))!;
        version = (await store.TrySetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("n", "1")), version))!; // loads the script
        await Server.ConfigResetStatisticsAsync();

        SessionData? last = null;
        for (var i = 2; i <= 4; i++)
        {
            var next = last = NewSession(TimeSpan.FromMinutes(10), ("n", i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            version = (await store.TrySetAsync("abc", next, version))!;
            Assert.NotNull(version);
        }

        Assert.Null(await store.TrySetAsync("abc", NewSession(TimeSpan.FromMinutes(10)), (RedisValue)"stale"));

        var stats = await CommandStatsAsync();
        Assert.Equal(4, stats.GetValueOrDefault("evalsha"));
        Assert.False(stats.ContainsKey("eval"), "The script was sent again instead of its SHA.");
        Assert.False(stats.ContainsKey("watch") || stats.ContainsKey("multi"), "A transaction was used.");

        // Inside the script: one GET each, and one SET for each write that matched.
        Assert.Equal(4, stats.GetValueOrDefault("get"));
        Assert.Equal(3, stats.GetValueOrDefault("set"));
        Assert.Equal(last!.ToJson(), (string?)await Database.StringGetAsync("sess:abc"));
    }

    private RedisStore NewStore(Action<RedisStoreOptions>? configure = null)
    {
        var options = new RedisStoreOptions();
        configure?.Invoke(options);
        return new RedisStore(_connection, options, _time);
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

    private async Task<string[]> KeysAsync()
    {
        var keys = new List<string>();
        await foreach (var key in Server.KeysAsync(pattern: "*"))
        {
            keys.Add(key!);
        }

        return [.. keys.Order(StringComparer.Ordinal)];
    }

    // INFO commandstats: "cmdstat_scan:calls=12,usec=…" per command.
    private async Task<Dictionary<string, long>> CommandStatsAsync()
    {
        var info = await Server.InfoAsync("commandstats");
        var stats = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var entry in info.SelectMany(group => group))
        {
            var calls = entry.Value.Split(',')[0];
            stats[entry.Key.Replace("cmdstat_", "", StringComparison.Ordinal)] =
                long.Parse(calls["calls=".Length..], System.Globalization.CultureInfo.InvariantCulture);
        }

        return stats;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string message)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, message);
            await Task.Delay(50);
        }
    }
}
