using Xunit;

namespace Tessera.Testing;

/// <summary>
/// The contract of <see cref="IConditionalSessionStore"/>: every read carries a version and
/// every write returns one; a conditional write lands only over the expected version, atomically;
/// a destroyed, expired or never-written session never matches, so nothing is brought back.
/// Derive one class from it for a store with conditional writes.
/// </summary>
/// <typeparam name="TStore">The store under test.</typeparam>
public abstract class ConditionalWriteTests<TStore> : SessionStoreTests<TStore>
    where TStore : class, IConditionalSessionStore
{
    /// <summary>
    /// Asserts that a user's sessions are listed as these store keys, for a store that indexes
    /// sessions by user; nothing for one that does not.
    /// </summary>
    /// <param name="userId">The user.</param>
    /// <param name="keys">The store keys expected.</param>
    /// <returns>A task that completes when the assertion has run.</returns>
    protected async Task AssertUsersListAsync(string userId, params string[] keys)
    {
        if (Store is IUserSessionStore users)
        {
            Assert.Equal(keys.Order(StringComparer.Ordinal), (await users.GetUserSessionsAsync(userId)).Select(s => s.Key).Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public async Task Get_gives_the_session_a_store_version()
    {
        await Store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "1")));

        var stored = await Store.GetAsync("abc");

        Assert.NotNull(stored);
        Assert.NotNull(stored.StoreVersion);
    }

    [Fact]
    public async Task A_conditional_write_over_the_version_read_succeeds_and_gives_the_session_a_new_version()
    {
        await Store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "1")));
        var read = await Store.GetAsync("abc");
        var version = read!.StoreVersion!;
        read.SetRawValue("views", "2"u8);

        var written = await Store.TrySetAsync("abc", read, version);

        Assert.NotNull(written);
        Assert.NotEqual(version, written);
        Assert.Same(version, read.StoreVersion); // the store returns the version; it does not change its argument
        var stored = await Store.GetAsync("abc");
        Assert.Equal(read.ToJson(), stored!.ToJson());
        Assert.Equal("2", Value(stored, "views"));
        await AssertCountAsync(1);
    }

    [Fact]
    public async Task A_conditional_write_over_an_old_version_fails_and_leaves_the_stored_session_as_it_was()
    {
        await Store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "1")));
        var version = (await Store.GetAsync("abc"))!.StoreVersion!;
        var first = NewSession(TimeSpan.FromMinutes(10), ("views", "2"));
        var second = NewSession(TimeSpan.FromMinutes(20), ("views", "3"), ("extra", "true"));

        Assert.NotNull(await Store.TrySetAsync("abc", first, version));
        Assert.Null(await Store.TrySetAsync("abc", second, version));

        var stored = await Store.GetAsync("abc");
        Assert.Equal(first.ToJson(), stored!.ToJson());
        Assert.Null(Value(stored, "extra"));
        await AssertExpiresAfterAsync("abc", TimeSpan.FromMinutes(10));
    }

    [Fact]
    public async Task A_conditional_write_to_a_destroyed_session_fails_and_does_not_bring_it_back()
    {
        await Store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "1")));
        var read = await Store.GetAsync("abc");
        await Store.DestroyAsync("abc");
        read!.SetRawValue("views", "2"u8);

        Assert.Null(await Store.TrySetAsync("abc", read, read.StoreVersion!));

        Assert.Null(await Store.GetAsync("abc"));
        await AssertListedAsync();
        await AssertCountAsync(0);
    }

    [Fact]
    public async Task A_conditional_write_to_an_id_never_written_fails_and_creates_nothing()
    {
        // A version of the store's own making, from another session.
        await Store.SetAsync("other", NewSession(TimeSpan.FromMinutes(10), ("views", "1")));
        var version = (await Store.GetAsync("other"))!.StoreVersion!;

        Assert.Null(await Store.TrySetAsync("never", NewSession(TimeSpan.FromMinutes(10), ("views", "1")), version));

        Assert.Null(await Store.GetAsync("never"));
        await AssertListedAsync("other");
    }

    [Fact]
    public async Task A_conditional_write_to_an_expired_session_fails_and_does_not_bring_it_back()
    {
        await Store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "1")));
        var version = (await Store.GetAsync("abc"))!.StoreVersion!;

        await ExpireAsync("abc", TimeSpan.FromMinutes(10));
        var renewed = NewSession(TimeSpan.FromMinutes(10), ("views", "2")); // a cookie that is live again

        Assert.Null(await Store.TrySetAsync("abc", renewed, version));
        Assert.Null(await Store.GetAsync("abc"));
        await AssertListedAsync();
        await AssertCountAsync(0);
    }

    [Fact]
    public async Task Set_returns_a_version_that_a_conditional_write_can_follow()
    {
        var written = await Store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "1")));
        Assert.NotNull(written);

        var next = await Store.TrySetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "2")), written);
        Assert.NotNull(next);
        Assert.NotNull(await Store.TrySetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "3")), next));
        Assert.Null(await Store.TrySetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "4")), written));

        Assert.Equal("3", Value(await Store.GetAsync("abc"), "views"));
    }

    [Fact]
    public async Task Set_replaces_a_session_whatever_its_version_and_makes_the_old_version_stale()
    {
        await Store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "1")));
        var version = (await Store.GetAsync("abc"))!.StoreVersion!;

        await Store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "2")));

        Assert.Null(await Store.TrySetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "3")), version));
        Assert.Equal("2", Value(await Store.GetAsync("abc"), "views"));
    }

    [Fact]
    public async Task A_touch_does_not_change_the_version()
    {
        await Store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "1")));
        var read = await Store.GetAsync("abc");

        await Store.TouchAsync("abc", NewSession(TimeSpan.FromMinutes(30)));
        read!.SetRawValue("views", "2"u8);

        Assert.NotNull(await Store.TrySetAsync("abc", read, read.StoreVersion!));
        Assert.Equal("2", Value(await Store.GetAsync("abc"), "views"));
    }

    [Fact]
    public async Task A_conditional_write_sets_the_expiry_from_the_new_cookie()
    {
        await Store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "1")));
        var version = (await Store.GetAsync("abc"))!.StoreVersion!;

        Assert.NotNull(await Store.TrySetAsync("abc", NewSession(TimeSpan.FromMinutes(30), ("views", "2")), version));

        await AssertExpiresAfterAsync("abc", TimeSpan.FromMinutes(30));
    }

    [Fact]
    public async Task A_conditional_write_of_an_expired_cookie_deletes_the_session_when_the_version_matches()
    {
        await Store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "1")));
        await Store.SetAsync("other", NewSession(TimeSpan.FromMinutes(10), ("views", "1")));
        var version = (await Store.GetAsync("abc"))!.StoreVersion!;
        var expired = NewSession(TimeSpan.FromMinutes(10), ("views", "2"));
        expired.Cookie.Expires = Start.AddSeconds(-1);

        Assert.NotNull(await Store.TrySetAsync("abc", expired, version));

        Assert.Null(await Store.GetAsync("abc"));
        await AssertListedAsync("other");
        await AssertCountAsync(1);
        Assert.Null(await Store.TrySetAsync("abc", NewSession(TimeSpan.FromMinutes(10)), version));
        Assert.Null(await Store.GetAsync("abc"));
    }

    [Fact]
    public async Task A_conditional_write_of_an_expired_cookie_over_an_old_version_deletes_nothing()
    {
        await Store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "1")));
        var version = (await Store.GetAsync("abc"))!.StoreVersion!;
        Assert.NotNull(await Store.TrySetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "2")), version));
        var expired = NewSession(TimeSpan.FromMinutes(10), ("views", "3"));
        expired.Cookie.Expires = Start.AddSeconds(-1);

        Assert.Null(await Store.TrySetAsync("abc", expired, version));

        Assert.Equal("2", Value(await Store.GetAsync("abc"), "views"));
        await AssertExpiresAfterAsync("abc", TimeSpan.FromMinutes(10));
    }

    [Fact]
    public async Task Concurrent_conditional_writes_over_one_version_let_exactly_one_through()
    {
        const int writers = 16;
        await Store.SetAsync("same", NewSession(TimeSpan.FromMinutes(10), ("n", "-1")));
        var version = (await Store.GetAsync("same"))!.StoreVersion!;
        var sessions = Enumerable.Range(0, writers).Select(i => NewSession(TimeSpan.FromMinutes(10), ("n", Number(i)))).ToArray();

        var results = await Task.WhenAll(sessions.Select(data => Task.Run(async () =>
            await Store.TrySetAsync("same", data, version))));

        var winner = Assert.Single(Enumerable.Range(0, writers), i => results[i] is not null);
        Assert.Equal(sessions[winner].ToJson(), (await Store.GetAsync("same"))!.ToJson());
        await AssertCountAsync(1);
    }

    [Fact]
    public async Task A_version_the_store_did_not_make_never_matches()
    {
        await Store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "1")));

        Assert.Null(await Store.TrySetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "2")), new object()));

        Assert.Equal("1", Value(await Store.GetAsync("abc"), "views"));
    }

    [Fact]
    public async Task A_cancelled_conditional_write_is_cancelled_and_changes_nothing()
    {
        await Store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "1")));
        var version = (await Store.GetAsync("abc"))!.StoreVersion!;
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            await Store.TrySetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "2")), version, cancellation.Token));

        Assert.Equal("1", Value(await Store.GetAsync("abc"), "views"));
        Assert.NotNull(await Store.TrySetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "3")), version));
    }

    [Fact]
    public async Task Null_arguments_of_a_conditional_write_are_rejected()
    {
        var data = NewSession(TimeSpan.FromMinutes(10));
        var version = (await Store.SetAsync("abc", data))!;

        await Assert.ThrowsAsync<ArgumentNullException>(async () => await Store.TrySetAsync(null!, data, version));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await Store.TrySetAsync("abc", null!, version));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await Store.TrySetAsync("abc", data, null!));
    }

    [Fact]
    public async Task A_conditional_write_moves_the_session_between_users_and_out_of_their_lists()
    {
        var anonymous = await Store.SetAsync("s", NewUserSession(null, TimeSpan.FromMinutes(10)));
        var alice = await Store.TrySetAsync("s", NewUserSession("alice", TimeSpan.FromMinutes(10)), anonymous!);
        Assert.NotNull(alice);
        Assert.Equal("alice", (await Store.GetAsync("s"))!.UserId);
        await AssertUsersListAsync("alice", "s");

        var bob = await Store.TrySetAsync("s", NewUserSession("bob", TimeSpan.FromMinutes(10)), alice);
        Assert.NotNull(bob);
        Assert.Equal("bob", (await Store.GetAsync("s"))!.UserId);
        await AssertUsersListAsync("alice");
        await AssertUsersListAsync("bob", "s");

        Assert.NotNull(await Store.TrySetAsync("s", NewUserSession(null, TimeSpan.FromMinutes(10)), bob));
        Assert.Null((await Store.GetAsync("s"))!.UserId);
        await AssertUsersListAsync("bob");
    }

    [Fact]
    public async Task A_conditional_write_that_fails_leaves_the_session_with_its_user()
    {
        var stale = (await Store.SetAsync("s", NewUserSession("alice", TimeSpan.FromMinutes(10))))!;
        Assert.NotNull(await Store.TrySetAsync("s", NewUserSession("alice", TimeSpan.FromMinutes(20)), stale));

        Assert.Null(await Store.TrySetAsync("s", NewUserSession("bob", TimeSpan.FromMinutes(10)), stale));
        Assert.Null(await Store.TrySetAsync("gone", NewUserSession("bob", TimeSpan.FromMinutes(10)), stale));

        Assert.Equal("alice", (await Store.GetAsync("s"))!.UserId);
        Assert.Null(await Store.GetAsync("gone"));
        await AssertUsersListAsync("alice", "s");
        await AssertUsersListAsync("bob");
    }
}
