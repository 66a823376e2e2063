using System.Globalization;
using System.Text;
using Microsoft.Extensions.Time.Testing;

namespace Tessera.StoreConformance;

/// <summary>
/// The behaviour every session store shares, run against each store by a derived class that
/// says how to create an empty one. Each test gets a new store whose clock is <see cref="Time"/>,
/// a fake clock starting at <see cref="Start"/>, so expiry is tested without waiting.
/// </summary>
/// <remarks>
/// <para>
/// Where a store's server expires sessions on its own clock (Redis), the fake clock cannot move
/// it: such a store overrides <see cref="AssertExpiresAfterAsync"/> to check the TTL it gave the
/// server instead, and <see cref="ExpireAsync"/> to end a session on the server.
/// </para>
/// <para>
/// Every store is expected to support conditional writes (<see cref="ISessionStore.TrySetAsync"/>),
/// listing, counting and clearing (<see cref="IEnumerableSessionStore"/>) and the index of sessions
/// by user (<see cref="IUserSessionStore"/>) unless its derived class says otherwise with
/// <see cref="ExpectsConditionalWrites"/>, <see cref="ExpectsEnumeration"/> or
/// <see cref="ExpectsUserIndex"/>. The tests of a capability a store declares it lacks check that
/// declaration instead (and, for conditional writes, the documented fallback: the last write wins),
/// so a store that gains or loses a capability without saying so fails the suite either way.
/// </para>
/// </remarks>
public abstract class SessionStoreConformanceTests : IAsyncLifetime
{
    /// <summary>Where <see cref="Time"/> starts.</summary>
    protected static readonly DateTimeOffset Start = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

    private ISessionStore? _store;

    /// <summary>Creates the test's clock.</summary>
    protected SessionStoreConformanceTests()
    {
        Time = new FakeTimeProvider(Start);
    }

    /// <summary>The clock of the test's store.</summary>
    protected FakeTimeProvider Time { get; }

    /// <summary>The test's store, empty when the test starts.</summary>
    protected ISessionStore Store => _store ?? throw new InvalidOperationException("The store is created in InitializeAsync.");

    /// <summary>Creates the test's store.</summary>
    /// <param name="timeProvider">The clock it must use.</param>
    /// <returns>An empty store.</returns>
    protected abstract Task<ISessionStore> CreateStoreAsync(TimeProvider timeProvider);

    /// <summary>
    /// Asserts that the session expires <paramref name="lifetime"/> after the current time of
    /// <see cref="Time"/>: 1 ms before, it is read; at that time, it is neither read, listed nor
    /// counted (the test's store holds no other session).
    /// </summary>
    /// <param name="sessionId">The session.</param>
    /// <param name="lifetime">The time it has left.</param>
    /// <returns>A task that completes when the assertion has run.</returns>
    protected virtual async Task AssertExpiresAfterAsync(string sessionId, TimeSpan lifetime)
    {
        Time.Advance(lifetime - TimeSpan.FromMilliseconds(1));
        Assert.NotNull(await Store.GetAsync(sessionId));

        Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Null(await Store.GetAsync(sessionId));
        await AssertListedAsync();
        await AssertCountAsync(0);
    }

    /// <summary>
    /// Asserts that <see cref="IEnumerableSessionStore.AllAsync"/> lists exactly these sessions,
    /// for a store that lists its sessions; nothing for one that declares it does not.
    /// </summary>
    /// <param name="ids">The IDs expected.</param>
    /// <returns>A task that completes when the assertion has run.</returns>
    protected async Task AssertListedAsync(params string[] ids)
    {
        if (Store is IEnumerableSessionStore enumerable)
        {
            Assert.Equal(ids.Order(StringComparer.Ordinal), (await enumerable.AllAsync()).Keys.Order(StringComparer.Ordinal));
        }
    }

    /// <summary>
    /// Asserts that <see cref="IEnumerableSessionStore.CountAsync"/> counts <paramref name="expected"/>
    /// sessions, for a store that counts its sessions; nothing for one that declares it does not.
    /// </summary>
    /// <param name="expected">The number expected.</param>
    /// <returns>A task that completes when the assertion has run.</returns>
    protected async Task AssertCountAsync(long expected)
    {
        if (Store is IEnumerableSessionStore enumerable)
        {
            Assert.Equal(expected, await enumerable.CountAsync());
        }
    }

    /// <summary>
    /// Checks the store's declaration of conditional writes against <see cref="ExpectsConditionalWrites"/>.
    /// </summary>
    /// <returns>Whether the conditional-write test goes on.</returns>
    private bool ExpectConditionalWrites()
    {
        Assert.Equal(ExpectsConditionalWrites, Store.SupportsConditionalWrites);
        return ExpectsConditionalWrites;
    }

    /// <summary>Checks the store's declaration of listing against <see cref="ExpectsEnumeration"/>.</summary>
    /// <returns>Whether the listing test goes on.</returns>
    private bool ExpectEnumeration()
    {
        Assert.Equal(ExpectsEnumeration, Store is IEnumerableSessionStore);
        return ExpectsEnumeration;
    }

    /// <summary>Checks the store's declaration of a user index against <see cref="ExpectsUserIndex"/>.</summary>
    /// <returns>Whether the user-index test goes on.</returns>
    private bool ExpectUserIndex()
    {
        Assert.Equal(ExpectsUserIndex, Store is IUserSessionStore);
        return ExpectsUserIndex;
    }

    private IEnumerableSessionStore EnumerableStore => (IEnumerableSessionStore)Store;

    private IUserSessionStore UserStore => (IUserSessionStore)Store;

    /// <summary>
    /// Whether the store must support conditional writes. <see langword="true"/> unless a derived
    /// class says otherwise, so that a store which stops supporting them fails the suite.
    /// </summary>
    protected virtual bool ExpectsConditionalWrites => true;

    /// <summary>
    /// Whether the store must list, count and clear its sessions (<see cref="IEnumerableSessionStore"/>).
    /// <see langword="true"/> unless a derived class says otherwise.
    /// </summary>
    protected virtual bool ExpectsEnumeration => true;

    /// <summary>
    /// Whether the store must keep an index of sessions by user (<see cref="IUserSessionStore"/>).
    /// <see langword="true"/> unless a derived class says otherwise.
    /// </summary>
    protected virtual bool ExpectsUserIndex => true;

    /// <summary>
    /// Ends a session that has <paramref name="lifetime"/> left: moves <see cref="Time"/> on by
    /// it, so that the session has expired.
    /// </summary>
    /// <param name="sessionId">The session.</param>
    /// <param name="lifetime">The time it has left.</param>
    /// <returns>A task that completes when the session has expired.</returns>
    protected virtual Task ExpireAsync(string sessionId, TimeSpan lifetime)
    {
        Time.Advance(lifetime);
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public virtual async Task InitializeAsync()
    {
        _store = await CreateStoreAsync(Time);
    }

    /// <inheritdoc/>
    public virtual async Task DisposeAsync()
    {
        switch (_store)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync();
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
    }

    /// <summary>Creates a session on <see cref="Time"/>, with values as raw JSON.</summary>
    /// <param name="maxAge">The cookie's max age; a browser-session cookie when null.</param>
    /// <param name="values">The values: names and JSON texts.</param>
    /// <returns>The session.</returns>
    protected SessionData NewSession(TimeSpan? maxAge, params (string Key, string Json)[] values)
    {
        var data = new SessionData(new SessionCookie(Time) { MaxAge = maxAge });
        foreach (var (key, json) in values)
        {
            data.SetRawValue(key, Encoding.UTF8.GetBytes(json));
        }

        return data;
    }

    /// <summary>Reads a value's raw JSON.</summary>
    /// <param name="data">The session.</param>
    /// <param name="key">The value's name.</param>
    /// <returns>The JSON text, or null when there is no such value.</returns>
    protected static string? Value(SessionData? data, string key) =>
        data is not null && data.TryGetRawValue(key, out var json) ? Encoding.UTF8.GetString(json.Span) : null;

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

        await Store.TouchAsync("abc", NewSession(TimeSpan.FromMinutes(30), ("views", "2")));

        Assert.Equal("1", Value(await Store.GetAsync("abc"), "views"));
        await AssertExpiresAfterAsync("abc", TimeSpan.FromMinutes(30));
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
    public async Task A_session_without_a_cookie_expiry_is_kept_for_one_day()
    {
        await Store.SetAsync("abc", NewSession(maxAge: null));

        await AssertExpiresAfterAsync("abc", TimeSpan.FromDays(1));
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
    public async Task All_returns_every_session_by_id()
    {
        if (!ExpectEnumeration())
        {
            return;
        }

        await Store.SetAsync("a", NewSession(TimeSpan.FromMinutes(10), ("n", "1")));
        await Store.SetAsync("b", NewSession(TimeSpan.FromMinutes(20), ("n", "2")));
        await Store.SetAsync("c", NewSession(maxAge: null, ("n", "3")));

        var all = await EnumerableStore.AllAsync();

        Assert.Equal(["a", "b", "c"], all.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("1", Value(all["a"], "n"));
        Assert.Equal("2", Value(all["b"], "n"));
        Assert.Equal("3", Value(all["c"], "n"));
        Assert.Equal(Start.AddMinutes(20), all["b"].Cookie.Expires);
    }

    [Fact]
    public async Task An_empty_store_lists_and_counts_nothing()
    {
        if (!ExpectEnumeration())
        {
            return;
        }

        await AssertListedAsync();
        await AssertCountAsync(0);
    }

    [Fact]
    public async Task Count_counts_the_sessions()
    {
        if (!ExpectEnumeration())
        {
            return;
        }

        for (var i = 0; i < 5; i++)
        {
            await Store.SetAsync($"id{i}", NewSession(TimeSpan.FromMinutes(10)));
        }

        await Store.DestroyAsync("id0");

        await AssertCountAsync(4);
    }

    [Fact]
    public async Task Clear_removes_every_session_and_the_store_stays_usable()
    {
        if (!ExpectEnumeration())
        {
            return;
        }

        for (var i = 0; i < 5; i++)
        {
            await Store.SetAsync($"id{i}", NewSession(TimeSpan.FromMinutes(10)));
        }

        await EnumerableStore.ClearAsync();

        await AssertCountAsync(0);
        await AssertListedAsync();
        Assert.Null(await Store.GetAsync("id1"));
        await Store.SetAsync("id1", NewSession(TimeSpan.FromMinutes(10)));
        Assert.NotNull(await Store.GetAsync("id1"));
    }

    [Fact]
    public async Task Clearing_an_empty_store_is_not_an_error()
    {
        if (!ExpectEnumeration())
        {
            return;
        }

        await EnumerableStore.ClearAsync();

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

    public static TheoryData<string> UnusualIds => new()
    {
        "é",
        "😀",
        "quote\"apostrophe'backslash\\",
        "control\u0001\u001f\t\r\n",
        "space and %41 and sess:",
        "{\"json\":true}",
        new string('x', 1000),
    };

    [Theory]
    [MemberData(nameof(UnusualIds))]
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

    // Documents as express-session 1.19 writes them (cookie first for a new session; where a
    // store had it for a loaded one), expiring a minute after Start or never.
    public static TheoryData<string> ExpressSessionDocuments => new()
    {
        """{"cookie":{"originalMaxAge":60000,"expires":"2026-11-29T12:01:00.000Z","httpOnly":true,"path":"/"},"views":3}""",
        """{"cookie":{"originalMaxAge":null,"expires":null,"httpOnly":true,"path":"/"}}""",
        """{"cookie":{"originalMaxAge":60000,"partitioned":true,"priority":"low","expires":"2026-11-29T12:01:00.000Z","secure":true,"httpOnly":true,"domain":"example.com","path":"/","sameSite":"strict"},"user":{"id":42,"name":"Zoë"}}""",
        """{"a":1,"cookie":{"originalMaxAge":null,"expires":null,"secure":false,"httpOnly":true,"path":"/"},"d":"1970-01-01T00:00:00.000Z","n":{"x":[1,2.5,"é😀"],"cookie":1}}""",
        """{"cookie":{"originalMaxAge":59999,"expires":"2026-11-29T12:00:59.999Z","httpOnly":true,"path":"/"},"flash":{"info":["Saved \"draft\" \u2014 ok"]},"csrfSecret":"Jx8_3-wQ"}""",
    };

    [Theory]
    [MemberData(nameof(ExpressSessionDocuments))]
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

    // ----- Conditional writes -----

    [Fact]
    public void The_store_declares_the_optional_capabilities_it_is_expected_to_have()
    {
        Assert.Equal(ExpectsConditionalWrites, Store.SupportsConditionalWrites);
        Assert.Equal(ExpectsEnumeration, Store is IEnumerableSessionStore);
        Assert.Equal(ExpectsUserIndex, Store is IUserSessionStore);
    }

    [Fact]
    public async Task A_version_the_store_did_not_make_is_refused_with_conditional_writes_and_ignored_without()
    {
        await Store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "1")));

        var written = await Store.TrySetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "2")), new object());

        // Without conditional writes, TrySetAsync is SetAsync: the last write wins, as in express-session.
        Assert.Equal(!ExpectsConditionalWrites, written);
        Assert.Equal(ExpectsConditionalWrites ? "1" : "2", Value(await Store.GetAsync("abc"), "views"));
    }

    [Fact]
    public async Task Get_gives_the_session_a_store_version()
    {
        if (!ExpectConditionalWrites())
        {
            return;
        }

        await Store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "1")));

        var stored = await Store.GetAsync("abc");

        Assert.NotNull(stored);
        Assert.NotNull(stored.StoreVersion);
    }

    [Fact]
    public async Task A_conditional_write_over_the_version_read_succeeds_and_gives_the_session_a_new_version()
    {
        if (!ExpectConditionalWrites())
        {
            return;
        }

        await Store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "1")));
        var read = await Store.GetAsync("abc");
        var version = read!.StoreVersion!;
        read.SetRawValue("views", "2"u8);

        Assert.True(await Store.TrySetAsync("abc", read, version));

        Assert.NotNull(read.StoreVersion);
        Assert.NotEqual(version, read.StoreVersion);
        var stored = await Store.GetAsync("abc");
        Assert.Equal(read.ToJson(), stored!.ToJson());
        Assert.Equal("2", Value(stored, "views"));
        await AssertCountAsync(1);
    }

    [Fact]
    public async Task A_conditional_write_over_an_old_version_fails_and_leaves_the_stored_session_as_it_was()
    {
        if (!ExpectConditionalWrites())
        {
            return;
        }

        await Store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "1")));
        var version = (await Store.GetAsync("abc"))!.StoreVersion!;
        var first = NewSession(TimeSpan.FromMinutes(10), ("views", "2"));
        var second = NewSession(TimeSpan.FromMinutes(20), ("views", "3"), ("extra", "true"));

        Assert.True(await Store.TrySetAsync("abc", first, version));
        Assert.False(await Store.TrySetAsync("abc", second, version));

        var stored = await Store.GetAsync("abc");
        Assert.Equal(first.ToJson(), stored!.ToJson());
        Assert.Null(Value(stored, "extra"));
        await AssertExpiresAfterAsync("abc", TimeSpan.FromMinutes(10));
    }

    [Fact]
    public async Task A_conditional_write_to_a_destroyed_session_fails_and_does_not_bring_it_back()
    {
        if (!ExpectConditionalWrites())
        {
            return;
        }

        await Store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "1")));
        var read = await Store.GetAsync("abc");
        await Store.DestroyAsync("abc");
        read!.SetRawValue("views", "2"u8);

        Assert.False(await Store.TrySetAsync("abc", read, read.StoreVersion!));

        Assert.Null(await Store.GetAsync("abc"));
        await AssertListedAsync();
        await AssertCountAsync(0);
    }

    [Fact]
    public async Task A_conditional_write_to_an_id_never_written_fails_and_creates_nothing()
    {
        if (!ExpectConditionalWrites())
        {
            return;
        }

        // A version of the store's own making, from another session.
        await Store.SetAsync("other", NewSession(TimeSpan.FromMinutes(10), ("views", "1")));
        var version = (await Store.GetAsync("other"))!.StoreVersion!;

        Assert.False(await Store.TrySetAsync("never", NewSession(TimeSpan.FromMinutes(10), ("views", "1")), version));

        Assert.Null(await Store.GetAsync("never"));
        await AssertListedAsync("other");
    }

    [Fact]
    public async Task A_conditional_write_to_an_expired_session_fails_and_does_not_bring_it_back()
    {
        if (!ExpectConditionalWrites())
        {
            return;
        }

        await Store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "1")));
        var version = (await Store.GetAsync("abc"))!.StoreVersion!;

        await ExpireAsync("abc", TimeSpan.FromMinutes(10));
        var renewed = NewSession(TimeSpan.FromMinutes(10), ("views", "2")); // a cookie that is live again

        Assert.False(await Store.TrySetAsync("abc", renewed, version));
        Assert.Null(await Store.GetAsync("abc"));
        await AssertListedAsync();
        await AssertCountAsync(0);
    }

    [Fact]
    public async Task Set_gives_the_session_a_version_that_a_conditional_write_can_follow()
    {
        if (!ExpectConditionalWrites())
        {
            return;
        }

        var written = NewSession(TimeSpan.FromMinutes(10), ("views", "1"));
        await Store.SetAsync("abc", written);
        Assert.NotNull(written.StoreVersion);

        var next = NewSession(TimeSpan.FromMinutes(10), ("views", "2"));
        Assert.True(await Store.TrySetAsync("abc", next, written.StoreVersion));
        var last = NewSession(TimeSpan.FromMinutes(10), ("views", "3"));
        Assert.True(await Store.TrySetAsync("abc", last, next.StoreVersion!));
        Assert.False(await Store.TrySetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "4")), written.StoreVersion));

        Assert.Equal("3", Value(await Store.GetAsync("abc"), "views"));
    }

    [Fact]
    public async Task Set_replaces_a_session_whatever_its_version_and_makes_the_old_version_stale()
    {
        if (!ExpectConditionalWrites())
        {
            return;
        }

        await Store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "1")));
        var version = (await Store.GetAsync("abc"))!.StoreVersion!;

        await Store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "2")));

        Assert.False(await Store.TrySetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "3")), version));
        Assert.Equal("2", Value(await Store.GetAsync("abc"), "views"));
    }

    [Fact]
    public async Task A_touch_does_not_change_the_version()
    {
        if (!ExpectConditionalWrites())
        {
            return;
        }

        await Store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "1")));
        var read = await Store.GetAsync("abc");

        await Store.TouchAsync("abc", NewSession(TimeSpan.FromMinutes(30)));
        read!.SetRawValue("views", "2"u8);

        Assert.True(await Store.TrySetAsync("abc", read, read.StoreVersion!));
        Assert.Equal("2", Value(await Store.GetAsync("abc"), "views"));
    }

    [Fact]
    public async Task A_conditional_write_sets_the_expiry_from_the_new_cookie()
    {
        if (!ExpectConditionalWrites())
        {
            return;
        }

        await Store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "1")));
        var version = (await Store.GetAsync("abc"))!.StoreVersion!;

        Assert.True(await Store.TrySetAsync("abc", NewSession(TimeSpan.FromMinutes(30), ("views", "2")), version));

        await AssertExpiresAfterAsync("abc", TimeSpan.FromMinutes(30));
    }

    [Fact]
    public async Task A_conditional_write_of_an_expired_cookie_deletes_the_session_when_the_version_matches()
    {
        if (!ExpectConditionalWrites())
        {
            return;
        }

        await Store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "1")));
        await Store.SetAsync("other", NewSession(TimeSpan.FromMinutes(10), ("views", "1")));
        var version = (await Store.GetAsync("abc"))!.StoreVersion!;
        var expired = NewSession(TimeSpan.FromMinutes(10), ("views", "2"));
        expired.Cookie.Expires = Start.AddSeconds(-1);

        Assert.True(await Store.TrySetAsync("abc", expired, version));

        Assert.Null(await Store.GetAsync("abc"));
        await AssertListedAsync("other");
        await AssertCountAsync(1);
        Assert.False(await Store.TrySetAsync("abc", NewSession(TimeSpan.FromMinutes(10)), version));
        Assert.Null(await Store.GetAsync("abc"));
    }

    [Fact]
    public async Task A_conditional_write_of_an_expired_cookie_over_an_old_version_deletes_nothing()
    {
        if (!ExpectConditionalWrites())
        {
            return;
        }

        await Store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "1")));
        var version = (await Store.GetAsync("abc"))!.StoreVersion!;
        Assert.True(await Store.TrySetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "2")), version));
        var expired = NewSession(TimeSpan.FromMinutes(10), ("views", "3"));
        expired.Cookie.Expires = Start.AddSeconds(-1);

        Assert.False(await Store.TrySetAsync("abc", expired, version));

        Assert.Equal("2", Value(await Store.GetAsync("abc"), "views"));
        await AssertExpiresAfterAsync("abc", TimeSpan.FromMinutes(10));
    }

    [Fact]
    public async Task Concurrent_conditional_writes_over_one_version_let_exactly_one_through()
    {
        if (!ExpectConditionalWrites())
        {
            return;
        }

        const int writers = 16;
        await Store.SetAsync("same", NewSession(TimeSpan.FromMinutes(10), ("n", "-1")));
        var version = (await Store.GetAsync("same"))!.StoreVersion!;
        var sessions = Enumerable.Range(0, writers).Select(i => NewSession(TimeSpan.FromMinutes(10), ("n", Number(i)))).ToArray();

        var results = await Task.WhenAll(sessions.Select(data => Task.Run(async () =>
            await Store.TrySetAsync("same", data, version))));

        var winner = Assert.Single(Enumerable.Range(0, writers), i => results[i]);
        Assert.Equal(sessions[winner].ToJson(), (await Store.GetAsync("same"))!.ToJson());
        await AssertCountAsync(1);
    }

    [Fact]
    public async Task A_version_the_store_did_not_make_never_matches()
    {
        if (!ExpectConditionalWrites())
        {
            return;
        }

        await Store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "1")));

        Assert.False(await Store.TrySetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "2")), new object()));

        Assert.Equal("1", Value(await Store.GetAsync("abc"), "views"));
    }

    [Fact]
    public async Task A_cancelled_conditional_write_is_cancelled_and_changes_nothing()
    {
        if (!ExpectConditionalWrites())
        {
            return;
        }

        await Store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "1")));
        var version = (await Store.GetAsync("abc"))!.StoreVersion!;
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            await Store.TrySetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "2")), version, cancellation.Token));

        Assert.Equal("1", Value(await Store.GetAsync("abc"), "views"));
        Assert.True(await Store.TrySetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "3")), version));
    }

    [Fact]
    public async Task Null_arguments_of_a_conditional_write_are_rejected()
    {
        if (!ExpectConditionalWrites())
        {
            return;
        }

        var data = NewSession(TimeSpan.FromMinutes(10));
        await Store.SetAsync("abc", data);
        var version = data.StoreVersion!;

        await Assert.ThrowsAsync<ArgumentNullException>(async () => await Store.TrySetAsync(null!, data, version));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await Store.TrySetAsync("abc", null!, version));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await Store.TrySetAsync("abc", data, null!));
    }


    // ----- The index of sessions by user -----

    /// <summary>Creates a session of a user on <see cref="Time"/>.</summary>
    /// <param name="userId">The user, or null for an anonymous session.</param>
    /// <param name="maxAge">The cookie's max age.</param>
    /// <returns>The session.</returns>
    protected SessionData NewUserSession(string? userId, TimeSpan? maxAge)
    {
        var data = NewSession(maxAge, ("views", "1"));
        data.UserId = userId;
        return data;
    }

    /// <summary>The store keys of a user's listed sessions, in order.</summary>
    /// <param name="userId">The user.</param>
    /// <returns>The keys.</returns>
    protected async Task<string[]> ListedKeysAsync(string userId) =>
        [.. (await UserStore.GetUserSessionsAsync(userId)).Select(s => s.Key).Order(StringComparer.Ordinal)];

    [Fact]
    public async Task A_users_sessions_are_listed_and_no_one_elses()
    {
        if (!ExpectUserIndex())
        {
            return;
        }

        await Store.SetAsync("a1", NewUserSession("alice", TimeSpan.FromMinutes(10)));
        await Store.SetAsync("a2", NewUserSession("alice", maxAge: null));
        await Store.SetAsync("b1", NewUserSession("bob", TimeSpan.FromMinutes(10)));
        await Store.SetAsync("anonymous", NewUserSession(null, TimeSpan.FromMinutes(10)));

        Assert.Equal(["a1", "a2"], await ListedKeysAsync("alice"));
        Assert.Equal(["b1"], await ListedKeysAsync("bob"));
        Assert.Empty(await ListedKeysAsync("carol"));
        Assert.All(await UserStore.GetUserSessionsAsync("alice"), s => Assert.Equal("alice", s.UserId));
    }

    [Fact]
    public async Task User_ids_are_compared_exactly()
    {
        if (!ExpectUserIndex())
        {
            return;
        }

        await Store.SetAsync("lower", NewUserSession("alice", TimeSpan.FromMinutes(10)));
        await Store.SetAsync("upper", NewUserSession("Alice", TimeSpan.FromMinutes(10)));
        await Store.SetAsync("unicode", NewUserSession("zoë@example.com 😀", TimeSpan.FromMinutes(10)));

        Assert.Equal(["lower"], await ListedKeysAsync("alice"));
        Assert.Equal(["upper"], await ListedKeysAsync("Alice"));
        Assert.Equal(["unicode"], await ListedKeysAsync("zoë@example.com 😀"));
        Assert.Empty(await ListedKeysAsync("alice "));
    }

    [Fact]
    public async Task Writing_a_session_with_another_user_moves_it_to_that_users_list()
    {
        if (!ExpectUserIndex())
        {
            return;
        }

        await Store.SetAsync("s", NewUserSession("alice", TimeSpan.FromMinutes(10)));
        await Store.SetAsync("kept", NewUserSession("alice", TimeSpan.FromMinutes(10)));

        await Store.SetAsync("s", NewUserSession("bob", TimeSpan.FromMinutes(10)));

        Assert.Equal(["kept"], await ListedKeysAsync("alice"));
        Assert.Equal(["s"], await ListedKeysAsync("bob"));
    }

    [Fact]
    public async Task Writing_a_session_without_a_user_removes_it_from_the_users_list()
    {
        if (!ExpectUserIndex())
        {
            return;
        }

        await Store.SetAsync("s", NewUserSession("alice", TimeSpan.FromMinutes(10)));

        await Store.SetAsync("s", NewUserSession(null, TimeSpan.FromMinutes(10)));

        Assert.Empty(await ListedKeysAsync("alice"));
        Assert.NotNull(await Store.GetAsync("s"));
    }

    [Fact]
    public async Task A_conditional_write_moves_the_session_between_users_and_out_of_the_index()
    {
        if (!ExpectUserIndex() || !ExpectConditionalWrites())
        {
            return;
        }

        var anonymous = NewUserSession(null, TimeSpan.FromMinutes(10));
        await Store.SetAsync("s", anonymous);
        var alice = NewUserSession("alice", TimeSpan.FromMinutes(10));
        Assert.True(await Store.TrySetAsync("s", alice, anonymous.StoreVersion!));
        Assert.Equal(["s"], await ListedKeysAsync("alice"));

        var bob = NewUserSession("bob", TimeSpan.FromMinutes(10));
        Assert.True(await Store.TrySetAsync("s", bob, alice.StoreVersion!));
        Assert.Empty(await ListedKeysAsync("alice"));
        Assert.Equal(["s"], await ListedKeysAsync("bob"));

        Assert.True(await Store.TrySetAsync("s", NewUserSession(null, TimeSpan.FromMinutes(10)), bob.StoreVersion!));
        Assert.Empty(await ListedKeysAsync("bob"));
    }

    [Fact]
    public async Task A_conditional_write_that_fails_leaves_the_session_with_its_user()
    {
        if (!ExpectUserIndex() || !ExpectConditionalWrites())
        {
            return;
        }

        var first = NewUserSession("alice", TimeSpan.FromMinutes(10));
        await Store.SetAsync("s", first);
        var stale = first.StoreVersion!;
        Assert.True(await Store.TrySetAsync("s", NewUserSession("alice", TimeSpan.FromMinutes(20)), stale));

        Assert.False(await Store.TrySetAsync("s", NewUserSession("bob", TimeSpan.FromMinutes(10)), stale));
        Assert.False(await Store.TrySetAsync("gone", NewUserSession("bob", TimeSpan.FromMinutes(10)), stale));

        Assert.Equal(["s"], await ListedKeysAsync("alice"));
        Assert.Empty(await ListedKeysAsync("bob"));
    }

    [Fact]
    public async Task A_destroyed_session_is_not_listed()
    {
        if (!ExpectUserIndex())
        {
            return;
        }

        await Store.SetAsync("a1", NewUserSession("alice", TimeSpan.FromMinutes(10)));
        await Store.SetAsync("a2", NewUserSession("alice", TimeSpan.FromMinutes(10)));

        await Store.DestroyAsync("a1");

        Assert.Equal(["a2"], await ListedKeysAsync("alice"));
        await Store.DestroyAsync("a2");
        Assert.Empty(await ListedKeysAsync("alice"));
    }

    [Fact]
    public async Task An_expired_session_is_not_listed()
    {
        if (!ExpectUserIndex())
        {
            return;
        }

        await Store.SetAsync("short", NewUserSession("alice", TimeSpan.FromMinutes(10)));
        await Store.SetAsync("long", NewUserSession("alice", TimeSpan.FromMinutes(30)));

        await ExpireAsync("short", TimeSpan.FromMinutes(10));

        Assert.Equal(["long"], await ListedKeysAsync("alice"));
    }

    [Fact]
    public async Task A_session_written_already_expired_is_not_listed()
    {
        if (!ExpectUserIndex())
        {
            return;
        }

        await Store.SetAsync("s", NewUserSession("alice", TimeSpan.FromMinutes(10)));
        var expired = NewUserSession("alice", TimeSpan.FromMinutes(10));
        expired.Cookie.Expires = Start.AddSeconds(-1);

        await Store.SetAsync("s", expired);

        Assert.Empty(await ListedKeysAsync("alice"));
    }

    [Fact]
    public async Task A_touched_session_is_still_listed_after_its_first_expiry()
    {
        if (!ExpectUserIndex())
        {
            return;
        }

        await Store.SetAsync("s", NewUserSession("alice", TimeSpan.FromMinutes(10)));

        await Store.TouchAsync("s", NewUserSession("alice", TimeSpan.FromMinutes(30)));
        Time.Advance(TimeSpan.FromMinutes(20));

        Assert.Equal(["s"], await ListedKeysAsync("alice"));
    }

    [Fact]
    public async Task A_listed_session_carries_its_creation_time_user_agent_and_expiry()
    {
        if (!ExpectUserIndex())
        {
            return;
        }

        // A signed-in session as Tessera stores it: the user, when it was created and the browser in _tessera.
        const string Document = """{"cookie":{"originalMaxAge":600000,"expires":"2026-11-29T12:10:00.000Z","httpOnly":true,"path":"/"},"views":2,"_tessera":{"created":"2026-11-29T11:58:30.250Z","userId":"alice","userAgent":"Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"}}""";
        await Store.SetAsync("s", SessionData.Parse(Document, Time));

        var session = Assert.Single(await UserStore.GetUserSessionsAsync("alice"));

        Assert.Equal("s", session.Key);
        Assert.Equal("alice", session.UserId);
        Assert.Equal(new DateTimeOffset(2026, 11, 29, 11, 58, 30, 250, TimeSpan.Zero), session.Created);
        Assert.Equal("Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0", session.UserAgent);
        Assert.Equal(Start.AddMinutes(10), session.Expires);
        Assert.Equal(Start, session.LastSeen);
        Assert.False(session.IsCurrent);
    }

    [Fact]
    public async Task Clearing_the_store_empties_every_users_list()
    {
        if (!ExpectUserIndex() || !ExpectEnumeration())
        {
            return;
        }

        await Store.SetAsync("a1", NewUserSession("alice", TimeSpan.FromMinutes(10)));
        await Store.SetAsync("b1", NewUserSession("bob", TimeSpan.FromMinutes(10)));

        await EnumerableStore.ClearAsync();

        Assert.Empty(await ListedKeysAsync("alice"));
        Assert.Empty(await ListedKeysAsync("bob"));
        await Store.SetAsync("a1", NewUserSession("alice", TimeSpan.FromMinutes(10)));
        Assert.Equal(["a1"], await ListedKeysAsync("alice"));
    }

    [Fact]
    public async Task The_index_does_not_show_in_listing_or_counting()
    {
        if (!ExpectUserIndex() || !ExpectEnumeration())
        {
            return;
        }

        await Store.SetAsync("a1", NewUserSession("alice", TimeSpan.FromMinutes(10)));
        await Store.SetAsync("a2", NewUserSession("alice", TimeSpan.FromMinutes(10)));
        await Store.SetAsync("b1", NewUserSession("bob", TimeSpan.FromMinutes(10)));

        await AssertListedAsync("a1", "a2", "b1");
        await AssertCountAsync(3);
    }

    [Fact]
    public async Task Many_sessions_of_many_users_written_in_parallel_are_each_listed_under_their_user()
    {
        if (!ExpectUserIndex())
        {
            return;
        }

        const int Users = 8;
        const int PerUser = 8;

        await Task.WhenAll(Enumerable.Range(0, Users * PerUser).Select(i => Task.Run(async () =>
            await Store.SetAsync($"u{i % Users}-s{i / Users}", NewUserSession($"user{i % Users}", TimeSpan.FromMinutes(10))))));

        for (var user = 0; user < Users; user++)
        {
            var expected = Enumerable.Range(0, PerUser).Select(s => $"u{user}-s{s}").Order(StringComparer.Ordinal);
            Assert.Equal(expected, await ListedKeysAsync($"user{user}"));
        }
    }

    [Fact]
    public async Task Listing_the_sessions_of_a_null_user_is_rejected()
    {
        if (!ExpectUserIndex())
        {
            return;
        }

        await Assert.ThrowsAsync<ArgumentNullException>(async () => await UserStore.GetUserSessionsAsync(null!));
    }

    private static string Number(int i) => i.ToString(CultureInfo.InvariantCulture);
}
