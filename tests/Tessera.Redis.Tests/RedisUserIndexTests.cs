using System.Text;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;
using Tessera.Testing;

namespace Tessera.Redis.Tests;

/// <summary>The index of sessions by user, checked in Redis itself: its keys, their TTLs, and how reads heal it.</summary>
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
    public async Task A_users_sessions_are_the_members_of_the_set_at_the_prefix_user_and_the_user_id()
    {
        await Store.SetAsync("a1", UserSession("alice", TimeSpan.FromMinutes(10)));
        await Store.SetAsync("a2", UserSession("alice", TimeSpan.FromMinutes(10)));
        await Store.SetAsync("anonymous", UserSession(null, TimeSpan.FromMinutes(10)));

        Assert.Equal(RedisType.Set, await Database.KeyTypeAsync("sess:user:alice"));
        Assert.Equal(["a1", "a2"], await MembersAsync("sess:user:alice"));
        Assert.Equal(["sess:a1", "sess:a2", "sess:anonymous", "sess:user:alice"], await KeysAsync());

        // The sessions keep connect-redis's format: the document, with the user in its _tessera metadata.
        Assert.Equal(RedisType.String, await Database.KeyTypeAsync("sess:a1"));
        Assert.Contains("\"_tessera\":{\"userId\":\"alice\"}", (string?)await Database.StringGetAsync("sess:a1"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_prefix_scopes_the_user_index_too()
    {
        var other = new RedisStore(_connection, new RedisStoreOptions { Prefix = "app2:" }, _time);
        await other.SetAsync("s", UserSession("alice", TimeSpan.FromMinutes(10)));

        Assert.Equal(["app2:s", "app2:user:alice"], await KeysAsync());
        Assert.Empty(await Store.GetUserSessionsAsync("alice"));
        Assert.Equal("s", Assert.Single(await other.GetUserSessionsAsync("alice")).Key);
    }

    [Fact]
    public async Task The_users_set_lives_as_long_as_the_longest_session_written_to_it()
    {
        await Store.SetAsync("short", UserSession("alice", TimeSpan.FromMinutes(10)));
        RedisAssert.TtlIs(600, (await Database.KeyTimeToLiveAsync("sess:user:alice"))!.Value);

        await Store.SetAsync("long", UserSession("alice", maxAge: null)); // a browser-session cookie: one day
        RedisAssert.TtlIs(86_400, (await Database.KeyTimeToLiveAsync("sess:user:alice"))!.Value);

        await Store.SetAsync("shorter", UserSession("alice", TimeSpan.FromMinutes(1)));
        RedisAssert.TtlIs(86_400, (await Database.KeyTimeToLiveAsync("sess:user:alice"))!.Value);
    }

    [Fact]
    public async Task A_touch_extends_the_users_set_with_the_session()
    {
        await Store.SetAsync("s", UserSession("alice", TimeSpan.FromMinutes(10)));

        await Store.TouchAsync("s", UserSession("alice", TimeSpan.FromMinutes(30)));

        RedisAssert.TtlIs(1_800, (await Database.KeyTimeToLiveAsync("sess:s"))!.Value);
        RedisAssert.TtlIs(1_800, (await Database.KeyTimeToLiveAsync("sess:user:alice"))!.Value);
    }

    [Fact]
    public async Task A_conditional_write_extends_the_users_set_with_the_session()
    {
        var first = UserSession("alice", TimeSpan.FromMinutes(10));
        await Store.SetAsync("s", first);

        Assert.True(await Store.TrySetAsync("s", UserSession("alice", TimeSpan.FromHours(2)), first.StoreVersion!));

        RedisAssert.TtlIs(7_200, (await Database.KeyTimeToLiveAsync("sess:user:alice"))!.Value);
    }

    [Fact]
    public async Task Changing_the_user_removes_the_session_from_the_previous_users_set_at_once()
    {
        var alice = UserSession("alice", TimeSpan.FromMinutes(10));
        await Store.SetAsync("s", alice);
        await Store.SetAsync("kept", UserSession("alice", TimeSpan.FromMinutes(10)));

        var bob = UserSession("bob", TimeSpan.FromMinutes(10));
        Assert.True(await Store.TrySetAsync("s", bob, alice.StoreVersion!));
        Assert.Equal(["kept"], await MembersAsync("sess:user:alice"));
        Assert.Equal(["s"], await MembersAsync("sess:user:bob"));

        await Store.SetAsync("s", UserSession("carol", TimeSpan.FromMinutes(10)));
        Assert.Empty(await MembersAsync("sess:user:bob"));
        Assert.False(await Database.KeyExistsAsync("sess:user:bob")); // Redis drops an empty set
        Assert.Equal(["s"], await MembersAsync("sess:user:carol"));
    }

    [Fact]
    public async Task Destroying_a_session_removes_it_from_its_users_set_at_once()
    {
        await Store.SetAsync("a1", UserSession("alice", TimeSpan.FromMinutes(10)));
        await Store.SetAsync("a2", UserSession("alice", TimeSpan.FromMinutes(10)));

        await Store.DestroyAsync("a1");

        Assert.Equal(["a2"], await MembersAsync("sess:user:alice"));
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
        Assert.True(await Store.TrySetAsync("conditional", Expired(UserSession("alice", TimeSpan.FromMinutes(10))), conditional!.StoreVersion!));

        Assert.Empty(await MembersAsync("sess:user:alice"));
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
        await Database.SetAddAsync("sess:user:alice", ["gone", "bobs", "anonymous", "unreadable", "user:bob"]);

        var listed = await Store.GetUserSessionsAsync("alice");

        Assert.Equal("mine", Assert.Single(listed).Key);
        Assert.Equal(["mine"], await MembersAsync("sess:user:alice"));
        Assert.Equal(["bobs"], await MembersAsync("sess:user:bob"));
    }

    [Fact]
    public async Task An_entry_added_by_a_conditional_write_that_failed_lasts_only_until_the_next_read()
    {
        var first = UserSession("alice", TimeSpan.FromMinutes(10));
        await Store.SetAsync("s", first);
        var stale = first.StoreVersion!;
        Assert.True(await Store.TrySetAsync("s", UserSession("alice", TimeSpan.FromMinutes(20)), stale));

        Assert.False(await Store.TrySetAsync("s", UserSession("bob", TimeSpan.FromMinutes(10)), stale));

        // The entry is written with the session, before Redis has said whether the write matched.
        Assert.Equal(["s"], await MembersAsync("sess:user:bob"));
        Assert.Empty(await Store.GetUserSessionsAsync("bob"));
        Assert.Empty(await MembersAsync("sess:user:bob"));
        Assert.Equal(["s"], await MembersAsync("sess:user:alice"));
    }

    [Fact]
    public async Task A_session_whose_users_set_was_lost_is_listed_again_after_its_next_touch()
    {
        await Store.SetAsync("s", UserSession("alice", TimeSpan.FromMinutes(10)));
        await Database.KeyDeleteAsync("sess:user:alice");
        Assert.Empty(await Store.GetUserSessionsAsync("alice"));

        await Store.TouchAsync("s", UserSession("alice", TimeSpan.FromMinutes(10)));

        Assert.Equal("s", Assert.Single(await Store.GetUserSessionsAsync("alice")).Key);
    }

    [Fact]
    public async Task Listing_and_counting_leave_the_index_out_and_clearing_deletes_it()
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
    public async Task Session_ids_that_would_name_a_users_set_are_refused_for_writes_and_read_as_missing()
    {
        await Store.SetAsync("s", UserSession("alice", TimeSpan.FromMinutes(10)));

        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await Store.SetAsync("user:alice", UserSession(null, TimeSpan.FromMinutes(10))));
        Assert.Contains("reserved", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(async () => await Store.TrySetAsync("user:alice", UserSession(null, TimeSpan.FromMinutes(10)), (RedisValue)"x"));
        Assert.Null(await Store.GetAsync("user:alice"));
        await Store.TouchAsync("user:alice", UserSession(null, TimeSpan.FromMinutes(30)));
        await Store.DestroyAsync("user:alice");

        Assert.Equal(["s"], await MembersAsync("sess:user:alice"));
        RedisAssert.TtlIs(600, (await Database.KeyTimeToLiveAsync("sess:user:alice"))!.Value);
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
        [.. (await Database.SetMembersAsync(key)).Select(member => (string)member!).Order(StringComparer.Ordinal)];

    private async Task<string[]> KeysAsync()
    {
        var keys = new List<string>();
        await foreach (var key in Server.KeysAsync(pattern: "*"))
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
