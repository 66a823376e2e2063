using Microsoft.Extensions.Time.Testing;

namespace Tessera.Tests.Stores;

public sealed class MemoryStoreTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

    private static SessionData Document(FakeTimeProvider time, TimeSpan? maxAge)
    {
        var data = new SessionData(new SessionCookie(time) { MaxAge = maxAge });
        data.SetRawValue("views", "1"u8);
        return data;
    }

    [Fact]
    public async Task Expired_sessions_are_evicted_in_the_background_without_being_read()
    {
        var time = new FakeTimeProvider(Start);
        using var store = new MemoryStore(new MemoryStoreOptions { SweepInterval = TimeSpan.FromSeconds(30) }, time);
        for (var i = 0; i < 100_000; i++)
        {
            await store.SetAsync("s" + i, Document(time, TimeSpan.FromSeconds(10)));
        }

        Assert.Equal(100_000, store.EntryCount);

        time.Advance(TimeSpan.FromSeconds(31)); // past every expiry and one sweep interval

        Assert.Equal(0, store.EntryCount);
    }

    [Fact]
    public async Task Sessions_that_are_touched_survive_the_sweep_and_the_others_do_not()
    {
        var time = new FakeTimeProvider(Start);
        using var store = new MemoryStore(new MemoryStoreOptions { SweepInterval = TimeSpan.FromSeconds(5) }, time);
        await store.SetAsync("kept", Document(time, TimeSpan.FromSeconds(10)));
        await store.SetAsync("dropped", Document(time, TimeSpan.FromSeconds(10)));

        time.Advance(TimeSpan.FromSeconds(8));
        await store.TouchAsync("kept", Document(time, TimeSpan.FromSeconds(10)));
        time.Advance(TimeSpan.FromSeconds(7));

        Assert.Equal(1, store.EntryCount);
        Assert.NotNull(await store.GetAsync("kept"));
        Assert.Null(await store.GetAsync("dropped"));
    }

    [Fact]
    public async Task A_session_without_an_expiry_is_kept_for_the_default_lifetime()
    {
        var time = new FakeTimeProvider(Start);
        using var store = new MemoryStore(new MemoryStoreOptions { DefaultLifetime = TimeSpan.FromHours(1) }, time);
        await store.SetAsync("browser", Document(time, maxAge: null));

        time.Advance(TimeSpan.FromMinutes(59));
        Assert.NotNull(await store.GetAsync("browser"));

        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(0, store.EntryCount);
    }

    [Fact]
    public async Task The_size_bound_evicts_the_session_that_expires_soonest()
    {
        var time = new FakeTimeProvider(Start);
        using var store = new MemoryStore(new MemoryStoreOptions { MaxSessions = 2 }, time);
        await store.SetAsync("late", Document(time, TimeSpan.FromMinutes(30)));
        await store.SetAsync("soon", Document(time, TimeSpan.FromMinutes(5)));
        await store.SetAsync("new", Document(time, TimeSpan.FromMinutes(20)));

        Assert.Equal(2, await store.CountAsync());
        Assert.Null(await store.GetAsync("soon"));
        Assert.NotNull(await store.GetAsync("late"));
        Assert.NotNull(await store.GetAsync("new"));
    }

    [Fact]
    public async Task The_store_keeps_a_copy_that_later_changes_do_not_reach()
    {
        var time = new FakeTimeProvider(Start);
        using var store = new MemoryStore(timeProvider: time);
        var data = Document(time, TimeSpan.FromMinutes(1));
        await store.SetAsync("id", data);

        data.SetRawValue("views", "99"u8);
        data.Cookie.Path = "/changed";
        var read = await store.GetAsync("id");
        read!.SetRawValue("views", "42"u8);

        var again = await store.GetAsync("id");
        Assert.True(again!.TryGetRawValue("views", out var views));
        Assert.Equal("1"u8.ToArray(), views.ToArray());
        Assert.Equal("/", again.Cookie.Path);
    }

    [Fact]
    public async Task An_expired_session_is_not_returned_even_before_the_sweep()
    {
        var time = new FakeTimeProvider(Start);
        using var store = new MemoryStore(new MemoryStoreOptions { SweepInterval = TimeSpan.FromHours(1) }, time);
        await store.SetAsync("id", Document(time, TimeSpan.FromSeconds(5)));

        time.Advance(TimeSpan.FromSeconds(5));

        Assert.Null(await store.GetAsync("id"));
        Assert.Empty(await store.AllAsync());
    }

    [Fact]
    public async Task Touch_rewrites_only_the_cookie()
    {
        var time = new FakeTimeProvider(Start);
        using var store = new MemoryStore(timeProvider: time);
        await store.SetAsync("id", Document(time, TimeSpan.FromMinutes(1)));

        var touched = Document(time, TimeSpan.FromMinutes(5));
        touched.SetRawValue("views", "7"u8);
        await store.TouchAsync("id", touched);

        var read = await store.GetAsync("id");
        Assert.Equal(Start.AddMinutes(5), read!.Expires);
        Assert.True(read.TryGetRawValue("views", out var views));
        Assert.Equal("1"u8.ToArray(), views.ToArray());
    }

    [Fact]
    public async Task Touch_of_a_missing_session_does_not_create_it()
    {
        var time = new FakeTimeProvider(Start);
        using var store = new MemoryStore(timeProvider: time);

        await store.TouchAsync("missing", Document(time, TimeSpan.FromMinutes(1)));

        Assert.Equal(0, await store.CountAsync());
    }

    [Fact]
    public async Task Touch_keeps_the_version_so_a_conditional_write_over_it_still_succeeds()
    {
        var time = new FakeTimeProvider(Start);
        using var store = new MemoryStore(timeProvider: time);
        await store.SetAsync("id", Document(time, TimeSpan.FromMinutes(1)));
        var read = await store.GetAsync("id");

        time.Advance(TimeSpan.FromSeconds(10));
        var touched = (await store.GetAsync("id"))!;
        touched.Cookie.ResetMaxAge();
        await store.TouchAsync("id", touched);

        read!.SetRawValue("views", "2"u8);
        Assert.NotNull(await store.TrySetAsync("id", read, read.StoreVersion!));
    }

    [Fact]
    public async Task A_session_is_read_back_as_the_document_it_was_stored_as()
    {
        var time = new FakeTimeProvider(Start);
        using var store = new MemoryStore(timeProvider: time);
        const string Json = """{"views":3,"cookie":{"originalMaxAge":60000,"expires":"2026-11-29T12:01:00.000Z","secure":false,"httpOnly":true,"path":"/","sameSite":"lax"},"cart":{"items":[1,2]}}""";
        await store.SetAsync("id", SessionData.Parse(Json, time));

        var read = await store.GetAsync("id");

        Assert.Equal(Json, read!.ToJson());
        Assert.Equal(Json, (await store.AllAsync())["id"].ToJson());
    }

    [Fact]
    public async Task A_session_with_a_user_and_no_values_is_read_back_with_its_user()
    {
        var time = new FakeTimeProvider(Start);
        using var store = new MemoryStore(timeProvider: time);
        var data = new SessionData(new SessionCookie(time) { MaxAge = TimeSpan.FromMinutes(1) }) { UserId = "ada" };
        await store.SetAsync("id", data);

        var read = await store.GetAsync("id");

        Assert.Equal("ada", read!.UserId);
        Assert.Equal(0, read.Count);
        Assert.Equal(data.ToJson(), read.ToJson());
    }

    [Fact]
    public async Task The_cookie_of_a_touch_is_copied_too()
    {
        var time = new FakeTimeProvider(Start);
        using var store = new MemoryStore(timeProvider: time);
        await store.SetAsync("id", Document(time, TimeSpan.FromMinutes(1)));
        var touched = Document(time, TimeSpan.FromMinutes(5));
        await store.TouchAsync("id", touched);

        touched.Cookie.Path = "/changed";

        Assert.Equal("/", (await store.GetAsync("id"))!.Cookie.Path);
    }
}
