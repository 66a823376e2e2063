using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;
using Tessera.TestServers;

namespace Tessera.Redis.Tests;

/// <summary>The index of sessions by user, checked in Redis itself: its keys, their TTLs, how writes keep it bounded and how reads heal it.</summary>
public sealed class RedisUserIndexTests(RedisServer server) : IClassFixture<RedisServer>, IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Start);
    private ConnectionMultiplexer _connection = null!;

    private IDatabase Database => _connection.GetDatabase();

    private IServer Server => _connection.GetServers()[0];

    // On the test's connection, which it leaves open: nothing to dispose.
    private RedisStore Store => new(_connection, timeProvider: _time);

    public async Task InitializeAsync()
    {
        _connection = await ConnectionMultiplexer.ConnectAsync(server.Configuration + ",allowAdmin=true");
        await Server.FlushAllDatabasesAsync();
    }

    public async Task DisposeAsync() => await _connection.DisposeAsync();

    [Fact]
    public async Task A_users_sessions_are_the_members_of_a_sorted_set_outside_the_session_prefix()
    {
        await Store.SetAsync("a1", UserSession("alice", TimeSpan.FromMinutes(10)));
        await Store.SetAsync("a2", UserSession("alice", TimeSpan.FromMinutes(10)));
        await Store.SetAsync("anonymous", UserSession(null, TimeSpan.FromMinutes(10)));

        Assert.Equal(RedisType.SortedSet, await Database.KeyTypeAsync("sess-user:alice"));
        Assert.Equal(["a1", "a2"], await MembersAsync("sess-user:alice"));
        Assert.Equal(["sess-user:alice", "sess:a1", "sess:a2", "sess:anonymous"], await KeysAsync());
        Assert.Equal(["sess:a1", "sess:a2", "sess:anonymous"], await KeysAsync("sess:*")); // what connect-redis scans

        // The sessions keep connect-redis's format: the document, with the user in its _tessera metadata.
        Assert.Equal(RedisType.String, await Database.KeyTypeAsync("sess:a1"));
        Assert.Contains("\"_tessera\":{\"userId\":\"alice\"}", (string?)await Database.StringGetAsync("sess:a1"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_key_prefix_scopes_the_user_index_too()
    {
        var other = new RedisStore(_connection, new RedisStoreOptions { KeyPrefix = "app2:" }, _time);
        await other.SetAsync("s", UserSession("alice", TimeSpan.FromMinutes(10)));

        Assert.Equal(["app2-user:alice", "app2:s"], await KeysAsync());
        Assert.Empty(await Store.GetUserSessionsAsync("alice"));
        Assert.Equal("s", Assert.Single(await other.GetUserSessionsAsync("alice")).Key);
    }

    [Fact]
    public async Task The_users_set_lives_as_long_as_its_longest_lived_session_and_no_longer()
    {
        // A TTL set by a later write counts down from the earlier write it comes from, on Redis's
        // clock in whole seconds, so a second may begin in between.
        var sinceShort = Stopwatch.StartNew();
        await Store.SetAsync("short", UserSession("alice", TimeSpan.FromMinutes(10)));
        RedisAssert.TtlIs(600, (await Database.KeyTimeToLiveAsync("sess-user:alice"))!.Value);

        var sinceLong = Stopwatch.StartNew();
        await Store.SetAsync("long", UserSession("alice", maxAge: null)); // a browser-session cookie: one day
        RedisAssert.TtlIs(86_400, (await Database.KeyTimeToLiveAsync("sess-user:alice"))!.Value);

        await Store.SetAsync("shorter", UserSession("alice", TimeSpan.FromMinutes(1)));
        RedisAssert.TtlIsCountedFrom(86_400, sinceLong.Elapsed, (await Database.KeyTimeToLiveAsync("sess-user:alice"))!.Value);

        // The longest-lived session ends: the set's TTL comes down to the longest of those left.
        await Store.DestroyAsync("long");
        RedisAssert.TtlIsCountedFrom(600, sinceShort.Elapsed, (await Database.KeyTimeToLiveAsync("sess-user:alice"))!.Value);

        // It is written again with a shorter lifetime: its entry's expiry comes down with it.
        await Store.SetAsync("short", UserSession("alice", TimeSpan.FromMinutes(2)));
        RedisAssert.TtlIs(120, (await Database.KeyTimeToLiveAsync("sess-user:alice"))!.Value);
    }

    [Fact]
    public async Task A_write_drops_the_entries_of_sessions_that_have_expired_so_the_set_stays_bounded()
    {
        // Entries of sessions that expired long ago, as a user who signs in often leaves behind.
        var past = await ServerSecondsAsync() - 60;
        for (var i = 0; i < 100; i++)
        {
            await Database.SortedSetAddAsync("sess-user:alice", $"old{i}", past - i);
        }

        await Store.SetAsync("new", UserSession("alice", TimeSpan.FromMinutes(10)));

        Assert.Equal(["new"], await MembersAsync("sess-user:alice"));
        RedisAssert.TtlIs(600, (await Database.KeyTimeToLiveAsync("sess-user:alice"))!.Value);
    }

    [Fact]
    public async Task Signing_in_many_times_leaves_only_the_live_sessions_in_the_users_set()
    {
        for (var i = 0; i < 20; i++)
        {
            await Store.SetAsync($"s{i}", UserSession("alice", TimeSpan.FromMinutes(10)));
            await Store.DestroyAsync($"s{i}"); // signed out: the entry goes with the session
        }

        await Store.SetAsync("live", UserSession("alice", TimeSpan.FromMinutes(10)));

        Assert.Equal(["live"], await MembersAsync("sess-user:alice"));
    }

    [Fact]
    public async Task A_touch_extends_the_users_set_with_the_session()
    {
        await Store.SetAsync("s", UserSession("alice", TimeSpan.FromMinutes(10)));

        await Store.TouchAsync("s", UserSession("alice", TimeSpan.FromMinutes(30)));

        RedisAssert.TtlIs(1_800, (await Database.KeyTimeToLiveAsync("sess:s"))!.Value);
        RedisAssert.TtlIs(1_800, (await Database.KeyTimeToLiveAsync("sess-user:alice"))!.Value);
    }

    [Fact]
    public async Task A_conditional_write_extends_the_users_set_with_the_session()
    {
        var first = await Store.SetAsync("s", UserSession("alice", TimeSpan.FromMinutes(10)));

        Assert.NotNull(await Store.TrySetAsync("s", UserSession("alice", TimeSpan.FromHours(2)), first!));

        RedisAssert.TtlIs(7_200, (await Database.KeyTimeToLiveAsync("sess-user:alice"))!.Value);
    }

    [Fact]
    public async Task Changing_the_user_removes_the_session_from_the_previous_users_set_at_once()
    {
        var alice = await Store.SetAsync("s", UserSession("alice", TimeSpan.FromMinutes(10)));
        await Store.SetAsync("kept", UserSession("alice", TimeSpan.FromMinutes(10)));

        Assert.NotNull(await Store.TrySetAsync("s", UserSession("bob", TimeSpan.FromMinutes(10)), alice!));
        Assert.Equal(["kept"], await MembersAsync("sess-user:alice"));
        Assert.Equal(["s"], await MembersAsync("sess-user:bob"));

        await Store.SetAsync("s", UserSession("carol", TimeSpan.FromMinutes(10)));
        Assert.Empty(await MembersAsync("sess-user:bob"));
        Assert.False(await Database.KeyExistsAsync("sess-user:bob")); // Redis drops an empty set
        Assert.Equal(["s"], await MembersAsync("sess-user:carol"));
    }

    [Fact]
    public async Task Destroying_a_session_removes_it_from_its_users_set_at_once()
    {
        await Store.SetAsync("a1", UserSession("alice", TimeSpan.FromMinutes(10)));
        await Store.SetAsync("a2", UserSession("alice", TimeSpan.FromMinutes(10)));

        await Store.DestroyAsync("a1");

        Assert.Equal(["a2"], await MembersAsync("sess-user:alice"));
        Assert.False(await Database.KeyExistsAsync("sess:a1"));
    }

    [Fact]
    public async Task Writing_or_touching_an_expired_cookie_removes_the_session_from_its_users_set()
    {
        var written = UserSession("alice", TimeSpan.FromMinutes(10));
        await Store.SetAsync("written", written);
        await Store.SetAsync("touched", UserSession("alice", TimeSpan.FromMinutes(10)));
        await Store.SetAsync("conditional", UserSession("alice", TimeSpan.FromMinutes(10)));
        var conditional = await Store.GetAsync("conditional");

        await Store.SetAsync("written", Expired(UserSession("alice", TimeSpan.FromMinutes(10))));
        await Store.TouchAsync("touched", Expired(UserSession("alice", TimeSpan.FromMinutes(10))));
        Assert.NotNull(await Store.TrySetAsync("conditional", Expired(UserSession("alice", TimeSpan.FromMinutes(10))), conditional!.StoreVersion!));

        Assert.Empty(await MembersAsync("sess-user:alice"));
        Assert.Empty(await KeysAsync());
    }

    [Fact]
    public async Task Reading_a_users_sessions_drops_the_entries_whose_session_is_gone_or_someone_elses()
    {
        await Store.SetAsync("mine", UserSession("alice", TimeSpan.FromMinutes(10)));
        await Store.SetAsync("bobs", UserSession("bob", TimeSpan.FromMinutes(10)));
        await Store.SetAsync("anonymous", UserSession(null, TimeSpan.FromMinutes(10)));
        await Database.StringSetAsync("sess:unreadable", "not a document");

        // What a crash between two commands, an expiry or a write from another instance can leave behind.
        var later = await ServerSecondsAsync() + 600;
        await Database.SortedSetAddAsync("sess-user:alice", [new("gone", later), new("bobs", later), new("anonymous", later), new("unreadable", later)]);

        var listed = await Store.GetUserSessionsAsync("alice");

        Assert.Equal("mine", Assert.Single(listed).Key);
        Assert.Equal(["mine"], await MembersAsync("sess-user:alice"));
        Assert.Equal(["bobs"], await MembersAsync("sess-user:bob"));
    }

    [Fact]
    public async Task An_entry_added_by_a_conditional_write_that_failed_lasts_only_until_the_next_read()
    {
        var stale = (await Store.SetAsync("s", UserSession("alice", TimeSpan.FromMinutes(10))))!;
        Assert.NotNull(await Store.TrySetAsync("s", UserSession("alice", TimeSpan.FromMinutes(20)), stale));

        Assert.Null(await Store.TrySetAsync("s", UserSession("bob", TimeSpan.FromMinutes(10)), stale));

        // The entry is written with the session, before Redis has said whether the write matched.
        Assert.Equal(["s"], await MembersAsync("sess-user:bob"));
        Assert.Empty(await Store.GetUserSessionsAsync("bob"));
        Assert.Empty(await MembersAsync("sess-user:bob"));
        Assert.Equal(["s"], await MembersAsync("sess-user:alice"));
    }

    [Fact]
    public async Task A_session_whose_users_set_was_lost_is_listed_again_after_its_next_touch()
    {
        await Store.SetAsync("s", UserSession("alice", TimeSpan.FromMinutes(10)));
        await Database.KeyDeleteAsync("sess-user:alice");
        Assert.Empty(await Store.GetUserSessionsAsync("alice"));

        await Store.TouchAsync("s", UserSession("alice", TimeSpan.FromMinutes(10)));

        Assert.Equal("s", Assert.Single(await Store.GetUserSessionsAsync("alice")).Key);
    }

    [Fact]
    public async Task Listing_and_counting_see_only_sessions_and_clearing_deletes_the_index_too()
    {
        await Store.SetAsync("a1", UserSession("alice", TimeSpan.FromMinutes(10)));
        await Store.SetAsync("b1", UserSession("bob", TimeSpan.FromMinutes(10)));
        await Database.StringSetAsync("unrelated", "keep me");

        Assert.Equal(["a1", "b1"], (await Store.AllAsync()).Keys.Order(StringComparer.Ordinal));
        Assert.Equal(2, await Store.CountAsync());
        await Store.ClearAsync();

        Assert.Equal(["unrelated"], await KeysAsync());
    }

    [Fact]
    public async Task A_store_key_that_looks_like_an_index_key_is_an_ordinary_session()
    {
        await Store.SetAsync("s", UserSession("alice", TimeSpan.FromMinutes(10)));

        await Store.SetAsync("user:alice", UserSession(null, TimeSpan.FromMinutes(10)));
        await Store.SetAsync("-user:alice", UserSession(null, TimeSpan.FromMinutes(10)));

        Assert.NotNull(await Store.GetAsync("user:alice"));
        Assert.Equal(["s"], await MembersAsync("sess-user:alice"));
        Assert.Equal(RedisType.String, await Database.KeyTypeAsync("sess:-user:alice"));
        Assert.Equal(3, await Store.CountAsync());
    }

    [Theory]
    [InlineData("sess:", "sess-user:")]
    [InlineData("app:sess:", "app:sess-user:")]
    [InlineData("sess::", "sess-user:")]
    [InlineData("sess", "tessera-user:sess")]
    [InlineData("a*b:", "a*b-user:")]
    public void The_index_prefix_is_derived_from_the_key_prefix_and_does_not_start_with_it(string keyPrefix, string indexPrefix)
    {
        Assert.Equal(indexPrefix, RedisKeyspace.IndexPrefixFor(keyPrefix));
        Assert.False(indexPrefix.StartsWith(keyPrefix, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Writing_a_signed_in_session_is_one_round_trip_of_single_key_commands()
    {
        var data = UserSession("alice", TimeSpan.FromMinutes(10));
        await Store.SetAsync("warm-up", data); // loads the index script
        await Server.ConfigResetStatisticsAsync();

        await Store.SetAsync("s", UserSession("alice", TimeSpan.FromMinutes(10)));

        var stats = await CommandStatsAsync();
        Assert.Equal(1, stats.GetValueOrDefault("set"));
        Assert.Equal(2, stats.GetValueOrDefault("evalsha")); // the set entry before and after the write
        Assert.False(stats.ContainsKey("srem"), "An unchanged user left its own set.");
        Assert.False(stats.ContainsKey("multi") || stats.ContainsKey("eval"), "A transaction or an unloaded script was used.");
    }

    private SessionData UserSession(string? userId, TimeSpan? maxAge)
    {
        var data = new SessionData(new SessionCookie(_time) { MaxAge = maxAge });
        data.SetRawValue("views", Encoding.UTF8.GetBytes("1"));
        data.UserId = userId;
        return data;
    }

    private static SessionData Expired(SessionData data)
    {
        data.Cookie.Expires = Start.AddSeconds(-1);
        return data;
    }

    private async Task<string[]> MembersAsync(string key) =>
        [.. (await Database.SortedSetRangeByRankAsync(key)).Select(member => (string)member!).Order(StringComparer.Ordinal)];

    private async Task<long> ServerSecondsAsync() => new DateTimeOffset(await Server.TimeAsync()).ToUnixTimeSeconds();

    private async Task<string[]> KeysAsync(string pattern = "*")
    {
        var keys = new List<string>();
        await foreach (var key in Server.KeysAsync(pattern: pattern))
        {
            keys.Add(key!);
        }

        return [.. keys.Order(StringComparer.Ordinal)];
    }

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
}
