using Xunit;

namespace Tessera.Testing;

/// <summary>
/// The contract of <see cref="IEnumerableSessionStore"/>: listing, counting and clearing see
/// exactly the live sessions, and nothing else the store keeps. Derive one class from it for a
/// store that lists its sessions.
/// </summary>
/// <typeparam name="TStore">The store under test.</typeparam>
public abstract class EnumerationTests<TStore> : SessionStoreTests<TStore>
    where TStore : class, IEnumerableSessionStore
{
    [Fact]
    public async Task All_returns_every_session_by_id()
    {
        await Store.SetAsync("a", NewSession(TimeSpan.FromMinutes(10), ("n", "1")));
        await Store.SetAsync("b", NewSession(TimeSpan.FromMinutes(20), ("n", "2")));
        await Store.SetAsync("c", NewSession(maxAge: null, ("n", "3")));

        var all = await Store.AllAsync();

        Assert.Equal(["a", "b", "c"], all.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("1", Value(all["a"], "n"));
        Assert.Equal("2", Value(all["b"], "n"));
        Assert.Equal("3", Value(all["c"], "n"));
        Assert.Equal(Start.AddMinutes(20), all["b"].Cookie.Expires);
    }

    [Fact]
    public async Task An_empty_store_lists_and_counts_nothing()
    {
        await AssertListedAsync();
        await AssertCountAsync(0);
    }

    [Fact]
    public async Task Count_counts_the_sessions()
    {
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
        for (var i = 0; i < 5; i++)
        {
            await Store.SetAsync($"id{i}", NewSession(TimeSpan.FromMinutes(10)));
        }

        await Store.ClearAsync();

        await AssertCountAsync(0);
        await AssertListedAsync();
        Assert.Null(await Store.GetAsync("id1"));
        await Store.SetAsync("id1", NewSession(TimeSpan.FromMinutes(10)));
        Assert.NotNull(await Store.GetAsync("id1"));
    }

    [Fact]
    public async Task Clearing_an_empty_store_is_not_an_error()
    {
        await Store.ClearAsync();

        await AssertCountAsync(0);
    }

    [Fact]
    public async Task Clearing_the_store_removes_signed_in_sessions_too_and_the_users_lists_with_them()
    {
        await Store.SetAsync("a1", NewUserSession("alice", TimeSpan.FromMinutes(10)));
        await Store.SetAsync("b1", NewUserSession("bob", TimeSpan.FromMinutes(10)));

        await Store.ClearAsync();

        await AssertCountAsync(0);
        await Store.SetAsync("a1", NewUserSession("alice", TimeSpan.FromMinutes(10)));
        await AssertListedAsync("a1");
        if (Store is IUserSessionStore users)
        {
            Assert.Equal(["a1"], (await users.GetUserSessionsAsync("alice")).Select(s => s.Key));
            Assert.Empty(await users.GetUserSessionsAsync("bob"));
        }
    }
}
