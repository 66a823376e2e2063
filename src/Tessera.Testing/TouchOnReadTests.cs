using Xunit;

namespace Tessera.Testing;

/// <summary>
/// The contract of <see cref="ITouchOnReadSessionStore"/>: a read that re-arms the expiry in the
/// same call gives the session as it was stored, moves its expiry to the one asked for, changes
/// none of its values (nor its version, for a store with conditional writes), and never brings
/// back a session that is missing, expired or destroyed. Derive one class from it for a store
/// that reads and touches in one call.
/// </summary>
/// <typeparam name="TStore">The store under test.</typeparam>
public abstract class TouchOnReadTests<TStore> : SessionStoreTests<TStore>
    where TStore : class, ITouchOnReadSessionStore
{
    [Fact]
    public async Task A_read_that_touches_gives_the_session_as_stored_and_moves_its_expiry()
    {
        await Store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "1"), ("name", "\"Ada\"")));
        var before = await Store.GetAsync("abc");

        var read = await Store.GetAndTouchAsync("abc", Time.GetUtcNow() + TimeSpan.FromMinutes(30));

        Assert.NotNull(read);
        Assert.Equal(before!.ToJson(), read.ToJson());
        Assert.Equal("views,name", string.Join(",", read.Keys));
        await AssertExpiresAfterAsync("abc", TimeSpan.FromMinutes(30));
    }

    [Fact]
    public async Task A_read_that_touches_leaves_the_values_as_they_were()
    {
        await Store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "1")));

        await Store.GetAndTouchAsync("abc", Time.GetUtcNow() + TimeSpan.FromMinutes(30));

        var stored = await Store.GetAsync("abc");
        Assert.Equal("1", Value(stored, "views"));
        Assert.Equal("views", string.Join(",", stored!.Keys));
    }

    [Fact]
    public async Task A_read_that_touches_keeps_the_version()
    {
        // The touch is not a write: a conditional write over the version read still lands.
        await Store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "1")));
        var before = await Store.GetAsync("abc");

        var read = await Store.GetAndTouchAsync("abc", Time.GetUtcNow() + TimeSpan.FromMinutes(30));

        Assert.Equal(before!.StoreVersion, read!.StoreVersion);
        Assert.Equal(before.StoreVersion, (await Store.GetAsync("abc"))!.StoreVersion);
    }

    [Fact]
    public async Task A_read_that_touches_a_session_never_written_creates_nothing()
    {
        Assert.Null(await Store.GetAndTouchAsync("missing", Time.GetUtcNow() + TimeSpan.FromMinutes(30)));

        Assert.Null(await Store.GetAsync("missing"));
        await AssertCountAsync(0);
    }

    [Fact]
    public async Task A_read_that_touches_an_expired_session_does_not_bring_it_back()
    {
        await Store.SetAsync("abc", NewSession(TimeSpan.FromSeconds(10), ("views", "1")));
        await ExpireAsync("abc", TimeSpan.FromSeconds(10));

        Assert.Null(await Store.GetAndTouchAsync("abc", Time.GetUtcNow() + TimeSpan.FromMinutes(30)));

        Assert.Null(await Store.GetAsync("abc"));
        await AssertCountAsync(0);
    }

    [Fact]
    public async Task A_read_that_touches_a_destroyed_session_does_not_bring_it_back()
    {
        await Store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "1")));
        await Store.DestroyAsync("abc");

        Assert.Null(await Store.GetAndTouchAsync("abc", Time.GetUtcNow() + TimeSpan.FromMinutes(30)));

        Assert.Null(await Store.GetAsync("abc"));
        await AssertCountAsync(0);
    }
}
