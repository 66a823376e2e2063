using System.Text;
using Xunit;

namespace Tessera.Testing;

/// <summary>
/// The contract every session store keeps (<see cref="ISessionStore"/>): reading, writing,
/// destroying and touching sessions, expiry from the cookie (or the store's default lifetime),
/// byte-for-byte round trips of express-session's documents, unusual keys, concurrency,
/// cancellation and argument checks. Derive one class from it per store.
/// </summary>
/// <typeparam name="TStore">The store under test.</typeparam>
public abstract class SessionStoreContractTests<TStore> : SessionStoreTests<TStore>
    where TStore : class, ISessionStore
{
    [Fact]
    public async Task Get_returns_null_for_an_unknown_id()
    {
        Assert.Null(await Store.GetAsync("unknown"));
    }

    [Fact]
    public async Task Get_returns_what_Set_stored()
    {
        var data = NewSession(TimeSpan.FromMinutes(10), ("views", "3"), ("user", """{"name":"ann","roles":["a","b"]}"""));

        await Store.SetAsync("abc", data);
        var stored = await Store.GetAsync("abc");

        Assert.NotNull(stored);
        Assert.Equal(data.ToJson(), stored.ToJson());
        Assert.Equal(Start.AddMinutes(10), stored.Cookie.Expires);
        Assert.Equal(TimeSpan.FromMinutes(10), stored.Cookie.OriginalMaxAge);
        Assert.Equal(["views", "user"], stored.Keys);
    }

    [Fact]
    public async Task Get_reads_the_cookie_with_the_store_clock()
    {
        await Store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10)));

        Time.Advance(TimeSpan.FromMinutes(1));
        var stored = await Store.GetAsync("abc");

        Assert.NotNull(stored);
        Assert.Equal(TimeSpan.FromMinutes(9), stored.Cookie.MaxAge);
    }

    [Fact]
    public async Task Set_replaces_an_existing_session()
    {
        await Store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "1"), ("old", "true")));

        await Store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "2")));
        var stored = await Store.GetAsync("abc");

        Assert.Equal("2", Value(stored, "views"));
        Assert.Null(Value(stored, "old"));
        await AssertCountAsync(1);
    }

    [Fact]
    public async Task Destroy_removes_the_session_and_no_other()
    {
        await Store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10)));
        await Store.SetAsync("other", NewSession(TimeSpan.FromMinutes(10)));

        await Store.DestroyAsync("abc");

        Assert.Null(await Store.GetAsync("abc"));
        Assert.NotNull(await Store.GetAsync("other"));
        await AssertCountAsync(1);
    }

    [Fact]
    public async Task Destroying_a_missing_id_is_not_an_error()
    {
        await Store.DestroyAsync("missing");

        Assert.Null(await Store.GetAsync("missing"));
        await AssertCountAsync(0);
    }

    [Fact]
    public async Task Touch_moves_the_expiry_and_keeps_the_values()
    {
        await Store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "1")));
        Time.Advance(TimeSpan.FromMinutes(5));

        // As a request touches a session: its cookie re-armed for the same lifetime, from now.
        await Store.TouchAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "2")));

        Assert.Equal("1", Value(await Store.GetAsync("abc"), "views"));
        await AssertExpiresAfterAsync("abc", TimeSpan.FromMinutes(10));
    }

    [Fact]
    public async Task Touch_does_nothing_for_a_missing_session()
    {
        await Store.TouchAsync("missing", NewSession(TimeSpan.FromMinutes(10), ("views", "1")));

        Assert.Null(await Store.GetAsync("missing"));
        await AssertCountAsync(0);
    }

    [Fact]
    public async Task A_session_expires_when_its_cookie_expires()
    {
        await Store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10)));

        await AssertExpiresAfterAsync("abc", TimeSpan.FromMinutes(10));
    }

    [Fact]
    public async Task A_session_without_a_cookie_expiry_is_kept_for_the_default_lifetime()
    {
        await Store.SetAsync("abc", NewSession(maxAge: null));

        await AssertExpiresAfterAsync("abc", DefaultLifetime);
    }

    [Fact]
    public async Task Setting_an_expired_session_leaves_nothing_to_read()
    {
        await Store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "1")));
        var expired = NewSession(TimeSpan.FromMinutes(10), ("views", "2"));
        expired.Cookie.Expires = Start.AddSeconds(-1);

        await Store.SetAsync("abc", expired);

        Assert.Null(await Store.GetAsync("abc"));
        await AssertListedAsync();
        await AssertCountAsync(0);
    }

    [Fact]
    public async Task The_store_keeps_a_copy_of_the_session()
    {
        var data = NewSession(TimeSpan.FromMinutes(10), ("views", "1"));
        await Store.SetAsync("abc", data);

        data.SetRawValue("views", "2"u8);
        data.SetRawValue("added", "true"u8);
        data.Cookie.MaxAge = TimeSpan.FromHours(5);
        var first = await Store.GetAsync("abc");
        first!.SetRawValue("views", "3"u8);
        var second = await Store.GetAsync("abc");

        Assert.Equal("1", Value(second, "views"));
        Assert.Null(Value(second, "added"));
        Assert.Equal(Start.AddMinutes(10), second!.Cookie.Expires);
    }

    [Fact]
    public async Task A_one_megabyte_session_round_trips()
    {
        var text = new StringBuilder("\"");
        while (text.Length < 1024 * 1024)
        {
            text.Append("lorem ipsum é 😀 \\\" \\n ");
        }

        var data = NewSession(TimeSpan.FromMinutes(10), ("big", text.Append('"').ToString()), ("after", "1"));
        var json = data.ToUtf8Json();
        Assert.True(json.Length > 1024 * 1024);

        await Store.SetAsync("big", data);
        var stored = await Store.GetAsync("big");

        Assert.NotNull(stored);
        Assert.Equal(json, stored.ToUtf8Json());
    }

    [Theory]
    [MemberData(nameof(StoreTestData.UnusualKeys), MemberType = typeof(StoreTestData))]
    public async Task Unusual_ids_name_distinct_sessions(string id)
    {
        await Store.SetAsync(id, NewSession(TimeSpan.FromMinutes(10), ("id", "1")));
        await Store.SetAsync("x", NewSession(TimeSpan.FromMinutes(10), ("id", "2")));

        Assert.Equal("1", Value(await Store.GetAsync(id), "id"));
        if (Store is IEnumerableSessionStore enumerable)
        {
            Assert.Contains(id, (await enumerable.AllAsync()).Keys);
        }

        await Store.DestroyAsync(id);
        Assert.Null(await Store.GetAsync(id));
        Assert.NotNull(await Store.GetAsync("x"));
    }

    [Fact]
    public async Task Unicode_and_control_characters_in_names_and_values_round_trip()
    {
        var values = new (string Key, string Json)[]
        {
            ("é", "\"é\""),
            ("😀", "\"😀\""),
            ("quote\"s and 'apostrophes' and \\", "\"\\\"quoted\\\" 'single' \\\\\""),
            ("control\u0001\t\n", "\"nul\\u0000 bell\\u0007 tab\\t newline\\n\""),
            ("mixed", "{\"é\":[\"😀\",\"\\ud83d\\ude00\",1e3,-0.5,null,true]}"),
        };
        var data = NewSession(TimeSpan.FromMinutes(10), values);

        await Store.SetAsync("unicode", data);
        var stored = await Store.GetAsync("unicode");

        Assert.NotNull(stored);
        Assert.Equal(data.ToUtf8Json(), stored.ToUtf8Json());
        foreach (var (key, json) in values)
        {
            Assert.Equal(json, Value(stored, key));
        }
    }

    [Theory]
    [MemberData(nameof(StoreTestData.ExpressSessionDocuments), MemberType = typeof(StoreTestData))]
    public async Task Documents_written_by_express_session_round_trip_byte_for_byte(string json)
    {
        var data = SessionData.Parse(Encoding.UTF8.GetBytes(json), Time);

        await Store.SetAsync("node", data);
        var stored = await Store.GetAsync("node");

        Assert.NotNull(stored);
        Assert.Equal(json, Encoding.UTF8.GetString(stored.ToUtf8Json()));
        if (Store is IEnumerableSessionStore enumerable)
        {
            Assert.Equal(json, (await enumerable.AllAsync())["node"].ToJson());
        }
    }

    [Fact]
    public async Task Concurrent_writes_to_different_ids_all_complete()
    {
        const int writers = 64;

        await Task.WhenAll(Enumerable.Range(0, writers).Select(i => Task.Run(async () =>
            await Store.SetAsync($"writer{i}", NewSession(TimeSpan.FromMinutes(10), ("n", Number(i)))))));

        await AssertCountAsync(writers);
        for (var i = 0; i < writers; i++)
        {
            Assert.Equal(Number(i), Value(await Store.GetAsync($"writer{i}"), "n"));
        }
    }

    [Fact]
    public async Task Concurrent_writes_to_one_id_all_complete_and_a_later_write_wins()
    {
        const int writers = 64;

        await Task.WhenAll(Enumerable.Range(0, writers).Select(i => Task.Run(async () =>
            await Store.SetAsync("same", NewSession(TimeSpan.FromMinutes(10), ("n", Number(i)))))));

        var written = Enumerable.Range(0, writers).Select(Number).ToHashSet();
        Assert.Contains(Value(await Store.GetAsync("same"), "n")!, written);
        await AssertCountAsync(1);
        await Store.SetAsync("same", NewSession(TimeSpan.FromMinutes(10), ("n", "\"last\"")));
        Assert.Equal("\"last\"", Value(await Store.GetAsync("same"), "n"));
    }

    [Fact]
    public async Task A_cancelled_token_cancels_every_call_and_changes_nothing()
    {
        await Store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "1")));
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();
        var token = cancellation.Token;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Store.GetAsync("abc", token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "2")), token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Store.SetAsync("new", NewSession(TimeSpan.FromMinutes(10)), token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Store.TouchAsync("abc", NewSession(TimeSpan.FromMinutes(30)), token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Store.DestroyAsync("abc", token));
        if (Store is IEnumerableSessionStore enumerable)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await enumerable.AllAsync(token));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await enumerable.CountAsync(token));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await enumerable.ClearAsync(token));
        }

        if (Store is IUserSessionStore users)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await users.GetUserSessionsAsync("alice", token));
        }

        Assert.Equal("1", Value(await Store.GetAsync("abc"), "views"));
        await AssertCountAsync(1);
        await AssertExpiresAfterAsync("abc", TimeSpan.FromMinutes(10));
    }

    [Fact]
    public async Task Null_arguments_are_rejected()
    {
        var data = NewSession(TimeSpan.FromMinutes(10));

        await Assert.ThrowsAsync<ArgumentNullException>(async () => await Store.GetAsync(null!));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await Store.SetAsync(null!, data));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await Store.SetAsync("abc", null!));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await Store.TouchAsync(null!, data));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await Store.TouchAsync("abc", null!));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await Store.DestroyAsync(null!));
    }

    [Fact]
    public async Task A_write_changes_nothing_in_the_session_it_is_given()
    {
        var data = NewSession(TimeSpan.FromMinutes(10), ("views", "1"));
        var json = data.ToJson();

        await Store.SetAsync("abc", data);
        await Store.TouchAsync("abc", data);

        Assert.Null(data.StoreVersion);
        Assert.Null(data.StoreExpires);
        Assert.Equal(json, data.ToJson());
    }

    [Fact]
    public async Task A_read_gives_a_new_session_each_time()
    {
        await Store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "1")));

        var first = await Store.GetAsync("abc");
        var second = await Store.GetAsync("abc");

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.NotSame(first, second);
    }
}
