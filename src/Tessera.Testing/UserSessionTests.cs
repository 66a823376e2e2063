using Xunit;

namespace Tessera.Testing;

/// <summary>
/// The contract of <see cref="IUserSessionStore"/>: a user's sessions are listed, exactly, as
/// they are written, moved between users, destroyed, touched and expired. Derive one class from
/// it for a store that indexes sessions by user.
/// </summary>
/// <typeparam name="TStore">The store under test.</typeparam>
public abstract class UserSessionTests<TStore> : SessionStoreTests<TStore>
    where TStore : class, IUserSessionStore
{
    /// <summary>The store keys of a user's listed sessions, in order.</summary>
    /// <param name="userId">The user.</param>
    /// <returns>The keys.</returns>
    protected async Task<string[]> ListedKeysAsync(string userId) =>
        [.. (await Store.GetUserSessionsAsync(userId)).Select(s => s.Key).Order(StringComparer.Ordinal)];

    [Fact]
    public async Task A_users_sessions_are_listed_and_no_one_elses()
    {
        await Store.SetAsync("a1", NewUserSession("alice", TimeSpan.FromMinutes(10)));
        await Store.SetAsync("a2", NewUserSession("alice", maxAge: null));
        await Store.SetAsync("b1", NewUserSession("bob", TimeSpan.FromMinutes(10)));
        await Store.SetAsync("anonymous", NewUserSession(null, TimeSpan.FromMinutes(10)));

        Assert.Equal(["a1", "a2"], await ListedKeysAsync("alice"));
        Assert.Equal(["b1"], await ListedKeysAsync("bob"));
        Assert.Empty(await ListedKeysAsync("carol"));
        Assert.All(await Store.GetUserSessionsAsync("alice"), s => Assert.Equal("alice", s.UserId));
    }

    [Fact]
    public async Task User_ids_are_compared_exactly()
    {
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
        await Store.SetAsync("s", NewUserSession("alice", TimeSpan.FromMinutes(10)));
        await Store.SetAsync("kept", NewUserSession("alice", TimeSpan.FromMinutes(10)));

        await Store.SetAsync("s", NewUserSession("bob", TimeSpan.FromMinutes(10)));

        Assert.Equal(["kept"], await ListedKeysAsync("alice"));
        Assert.Equal(["s"], await ListedKeysAsync("bob"));
    }

    [Fact]
    public async Task Writing_a_session_without_a_user_removes_it_from_the_users_list()
    {
        await Store.SetAsync("s", NewUserSession("alice", TimeSpan.FromMinutes(10)));

        await Store.SetAsync("s", NewUserSession(null, TimeSpan.FromMinutes(10)));

        Assert.Empty(await ListedKeysAsync("alice"));
        Assert.NotNull(await Store.GetAsync("s"));
    }

    [Fact]
    public async Task A_destroyed_session_is_not_listed()
    {
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
        await Store.SetAsync("short", NewUserSession("alice", TimeSpan.FromMinutes(10)));
        await Store.SetAsync("long", NewUserSession("alice", TimeSpan.FromMinutes(30)));

        await ExpireAsync("short", TimeSpan.FromMinutes(10));

        Assert.Equal(["long"], await ListedKeysAsync("alice"));
    }

    [Fact]
    public async Task A_session_written_already_expired_is_not_listed()
    {
        await Store.SetAsync("s", NewUserSession("alice", TimeSpan.FromMinutes(10)));
        var expired = NewUserSession("alice", TimeSpan.FromMinutes(10));
        expired.Cookie.Expires = Start.AddSeconds(-1);

        await Store.SetAsync("s", expired);

        Assert.Empty(await ListedKeysAsync("alice"));
    }

    [Fact]
    public async Task A_touched_session_is_still_listed_after_its_first_expiry()
    {
        await Store.SetAsync("s", NewUserSession("alice", TimeSpan.FromMinutes(10)));

        await Store.TouchAsync("s", NewUserSession("alice", TimeSpan.FromMinutes(30)));
        Time.Advance(TimeSpan.FromMinutes(20));

        Assert.Equal(["s"], await ListedKeysAsync("alice"));
    }

    [Fact]
    public async Task A_listed_session_carries_its_creation_time_user_agent_and_expiry()
    {
        // A signed-in session as Tessera stores it: the user, when it was created and the browser in _tessera.
        const string Document = """{"cookie":{"originalMaxAge":600000,"expires":"2026-11-29T12:10:00.000Z","httpOnly":true,"path":"/"},"views":2,"_tessera":{"created":"2026-11-29T11:58:30.250Z","userId":"alice","userAgent":"Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"}}""";
        await Store.SetAsync("s", SessionData.Parse(Document, Time));

        var session = Assert.Single(await Store.GetUserSessionsAsync("alice"));

        Assert.Equal("s", session.Key);
        Assert.Equal("alice", session.UserId);
        Assert.Equal(new DateTimeOffset(2026, 11, 29, 11, 58, 30, 250, TimeSpan.Zero), session.Created);
        Assert.Equal("Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0", session.UserAgent);
        Assert.Equal(Start.AddMinutes(10), session.Expires);
        Assert.Equal(Start, session.LastSeen);
        Assert.False(session.IsCurrent);
    }

    [Fact]
    public async Task The_index_does_not_show_in_listing_or_counting()
    {
        await Store.SetAsync("a1", NewUserSession("alice", TimeSpan.FromMinutes(10)));
        await Store.SetAsync("a2", NewUserSession("alice", TimeSpan.FromMinutes(10)));
        await Store.SetAsync("b1", NewUserSession("bob", TimeSpan.FromMinutes(10)));

        await AssertListedAsync("a1", "a2", "b1");
        await AssertCountAsync(3);
    }

    [Fact]
    public async Task Many_sessions_of_many_users_written_in_parallel_are_each_listed_under_their_user()
    {
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
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await Store.GetUserSessionsAsync(null!));
    }
}
