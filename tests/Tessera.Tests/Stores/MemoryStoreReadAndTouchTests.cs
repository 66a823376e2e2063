using Microsoft.Extensions.Time.Testing;

namespace Tessera.Tests.Stores;

/// <summary>What the memory store does beyond the store kit's <c>TouchOnReadTests</c>: the cookie it keeps.</summary>
public sealed class MemoryStoreReadAndTouchTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    private static SessionData Document(FakeTimeProvider time, TimeSpan? maxAge)
    {
        var data = new SessionData(new SessionCookie(time) { MaxAge = maxAge, Path = "/app", Secure = true });
        data.SetRawValue("views", "1"u8);
        return data;
    }

    private static string Views(SessionData data) =>
        data.TryGetRawValue("views", out var views) ? System.Text.Encoding.UTF8.GetString(views.Span) : "(none)";

    [Fact]
    public async Task The_session_is_read_as_it_was_stored_and_its_expiry_moves_to_the_one_given()
    {
        var time = new FakeTimeProvider(Start);
        using var store = new MemoryStore(timeProvider: time);
        await store.SetAsync("s", Document(time, Lifetime));

        time.Advance(TimeSpan.FromMinutes(8));
        var armed = time.GetUtcNow() + Lifetime;
        var read = await store.GetAndTouchAsync("s", armed);

        Assert.NotNull(read);
        Assert.Equal(Start + Lifetime, read.Cookie.Expires); // as stored before the touch
        Assert.Equal("1", Views(read));

        time.Advance(TimeSpan.FromMinutes(9)); // past the first expiry, before the new one
        var stored = await store.GetAsync("s");
        Assert.NotNull(stored);
        Assert.Equal(armed, stored.Cookie.Expires);
        Assert.Equal(Lifetime, stored.Cookie.OriginalMaxAge);
        Assert.Equal("/app", stored.Cookie.Path);
        Assert.True(stored.Cookie.Secure);

        time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromMilliseconds(1)); // past the new expiry
        Assert.Null(await store.GetAsync("s"));
    }

    [Fact]
    public async Task A_session_read_before_the_touch_keeps_the_cookie_it_was_read_with()
    {
        var time = new FakeTimeProvider(Start);
        using var store = new MemoryStore(timeProvider: time);
        await store.SetAsync("s", Document(time, Lifetime));
        var before = await store.GetAsync("s");

        time.Advance(TimeSpan.FromMinutes(1));
        await store.GetAndTouchAsync("s", time.GetUtcNow() + Lifetime);

        Assert.Equal(Start + Lifetime, before!.Cookie.Expires);
    }

    [Fact]
    public async Task A_cookie_stored_without_an_expiry_keeps_none_while_the_store_keeps_the_session_until_the_expiry_given()
    {
        var time = new FakeTimeProvider(Start);
        using var store = new MemoryStore(new MemoryStoreOptions { DefaultLifetime = TimeSpan.FromHours(1) }, time);
        await store.SetAsync("browser", Document(time, maxAge: null));

        await store.GetAndTouchAsync("browser", time.GetUtcNow() + Lifetime);

        var stored = await store.GetAsync("browser");
        Assert.Null(stored!.Cookie.Expires);
        time.Advance(Lifetime + TimeSpan.FromMilliseconds(1));
        Assert.Null(await store.GetAsync("browser"));
    }
}
