using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace Tessera.Tests.Stores;

/// <summary>
/// The memory store keeps one cookie for the sessions whose cookies have the same attributes,
/// with each session's expiry in its entry: every session must still read back with its own
/// cookie, whatever the order of the writes and touches of sessions with other cookies.
/// </summary>
public sealed class MemoryStoreSharedCookieTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    /// <summary>Ways a cookie can differ from the usual one (a ten-minute lifetime, express-session's defaults).</summary>
    public static TheoryData<string> Differences => [.. Variations.Keys];

    private static readonly Dictionary<string, Action<SessionCookie>> Variations = new()
    {
        ["path"] = c => c.Path = "/app",
        ["domain"] = c => c.Domain = "example.com",
        ["secure"] = c => c.Secure = true,
        ["not HttpOnly"] = c => c.HttpOnly = false,
        ["SameSite"] = c => c.SameSite = SameSiteMode.Strict,
        ["partitioned"] = c => c.Partitioned = true,
        ["priority"] = c => c.Priority = CookiePriority.High,
        ["lifetime"] = c => c.MaxAge = TimeSpan.FromMinutes(20),
        ["no expiry"] = c => c.MaxAge = null,
    };

    private static SessionData Session(FakeTimeProvider time, Action<SessionCookie>? vary = null)
    {
        var cookie = new SessionCookie(time) { MaxAge = Lifetime };
        vary?.Invoke(cookie);
        var data = new SessionData(cookie);
        data.SetRawValue("views", "1"u8);
        return data;
    }

    private static void AssertSameCookie(SessionCookie expected, SessionCookie? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Expires, actual.Expires);
        Assert.Equal(expected.OriginalMaxAge, actual.OriginalMaxAge);
        Assert.Equal(expected.Path, actual.Path);
        Assert.Equal(expected.Domain, actual.Domain);
        Assert.Equal(expected.Secure, actual.Secure);
        Assert.Equal(expected.HttpOnly, actual.HttpOnly);
        Assert.Equal(expected.SameSite, actual.SameSite);
        Assert.Equal(expected.Partitioned, actual.Partitioned);
        Assert.Equal(expected.Priority, actual.Priority);
    }

    [Fact]
    public async Task Sessions_with_the_same_attributes_each_read_back_with_their_own_expiry()
    {
        var time = new FakeTimeProvider(Start);
        using var store = new MemoryStore(timeProvider: time);
        var first = Session(time);
        await store.SetAsync("first", first);
        time.Advance(TimeSpan.FromMinutes(1));
        var second = Session(time);
        await store.SetAsync("second", second);
        time.Advance(TimeSpan.FromMinutes(1));
        var third = Session(time);
        await store.SetAsync("third", third);

        AssertSameCookie(first.Cookie, (await store.GetAsync("first"))?.Cookie);
        AssertSameCookie(second.Cookie, (await store.GetAsync("second"))?.Cookie);
        AssertSameCookie(third.Cookie, (await store.GetAsync("third"))?.Cookie);

        // Each expires at its own time.
        time.Advance(Lifetime - TimeSpan.FromMinutes(2) + TimeSpan.FromMilliseconds(1));
        Assert.Null(await store.GetAsync("first"));
        Assert.NotNull(await store.GetAsync("second"));
    }

    [Theory]
    [MemberData(nameof(Differences))]
    public async Task A_session_whose_cookie_differs_reads_back_with_its_own_and_so_do_the_others_around_it(string difference)
    {
        var time = new FakeTimeProvider(Start);
        using var store = new MemoryStore(timeProvider: time);
        var before = Session(time);
        await store.SetAsync("before", before);
        time.Advance(TimeSpan.FromSeconds(1));
        var different = Session(time, Variations[difference]);
        await store.SetAsync("different", different);
        time.Advance(TimeSpan.FromSeconds(1));
        var after = Session(time);
        await store.SetAsync("after", after);
        time.Advance(TimeSpan.FromSeconds(1));
        var againDifferent = Session(time, Variations[difference]);
        await store.SetAsync("again", againDifferent);

        AssertSameCookie(before.Cookie, (await store.GetAsync("before"))?.Cookie);
        AssertSameCookie(different.Cookie, (await store.GetAsync("different"))?.Cookie);
        AssertSameCookie(after.Cookie, (await store.GetAsync("after"))?.Cookie);
        AssertSameCookie(againDifferent.Cookie, (await store.GetAsync("again"))?.Cookie);
    }

    [Theory]
    [MemberData(nameof(Differences))]
    public async Task A_touch_and_a_conditional_write_keep_the_cookie_they_were_given_among_sessions_with_other_cookies(string difference)
    {
        var time = new FakeTimeProvider(Start);
        using var store = new MemoryStore(timeProvider: time);
        await store.SetAsync("usual", Session(time));
        var version = await store.SetAsync("different", Session(time, Variations[difference]));

        time.Advance(TimeSpan.FromMinutes(1));
        var touched = Session(time, Variations[difference]);
        await store.TouchAsync("usual", Session(time)); // the usual cookie again, a minute later
        await store.TouchAsync("different", touched);
        AssertSameCookie(touched.Cookie, (await store.GetAsync("different"))?.Cookie);

        time.Advance(TimeSpan.FromMinutes(1));
        var rewritten = Session(time);
        Assert.NotNull(await store.TrySetAsync("different", rewritten, version!));
        AssertSameCookie(rewritten.Cookie, (await store.GetAsync("different"))?.Cookie);

        time.Advance(TimeSpan.FromMinutes(1));
        var usual = Session(time);
        await store.TouchAsync("usual", usual);
        AssertSameCookie(usual.Cookie, (await store.GetAsync("usual"))?.Cookie);
    }

    [Fact]
    public async Task A_cookie_changed_after_it_was_stored_does_not_change_what_any_session_reads_back()
    {
        var time = new FakeTimeProvider(Start);
        using var store = new MemoryStore(timeProvider: time);
        var first = Session(time);
        await store.SetAsync("first", first);
        var second = Session(time);
        await store.SetAsync("second", second);
        var expected = first.Cookie.Clone();

        first.Cookie.Path = "/changed";
        second.Cookie.Secure = true;
        var read = await store.GetAsync("first");
        read!.Cookie.Domain = "changed.example";

        AssertSameCookie(expected, (await store.GetAsync("first"))?.Cookie);
        AssertSameCookie(expected, (await store.GetAsync("second"))?.Cookie);
    }
}
