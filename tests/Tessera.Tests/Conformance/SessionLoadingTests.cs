using Microsoft.AspNetCore.Http;
using Tessera.Tests.Infrastructure;

namespace Tessera.Tests.Conformance;

/// <summary>
/// express-session's <c>when sid not in store</c>, <c>when sid not properly signed</c>,
/// <c>when session expired in store</c> and <c>when session without cookie property in store</c>:
/// a cookie that leads to no usable session gives a new session under a new ID.
/// </summary>
public sealed class SessionLoadingTests
{
    // express-session #40
    [Fact]
    public async Task A_sid_not_in_the_store_gives_a_new_session()
    {
        var count = 0;
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(), context => SessionTests.SessionNumber(context, ref count));

        var first = await app.GetAsync();
        var cookie = SetCookie.Require(first);
        Assert.Equal("session 1", await first.Content.ReadAsStringAsync());
        await ((IEnumerableSessionStore)app.Store).ClearAsync();

        var second = await app.GetAsync("/", cookie);
        Assert.Equal(200, (int)second.StatusCode);
        Assert.Equal("session 2", await second.Content.ReadAsStringAsync());
    }

    // express-session #41
    [Fact]
    public async Task A_sid_not_in_the_store_gets_a_new_sid()
    {
        var count = 0;
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(), context => SessionTests.SessionNumber(context, ref count));

        var first = await app.GetAsync();
        var cookie = SetCookie.Require(first);
        await ((IEnumerableSessionStore)app.Store).ClearAsync();

        var second = await app.GetAsync("/", cookie);
        var secondCookie = SetCookie.Require(second);
        Assert.Equal("connect.sid", SetCookie.Name(secondCookie));
        Assert.NotEqual(SetCookie.SessionId(cookie), SetCookie.SessionId(secondCookie));
        Assert.Equal("session 2", await second.Content.ReadAsStringAsync());
    }

    // express-session #42
    [Fact]
    public async Task An_unsigned_sid_gives_a_new_session()
    {
        await using var app = await StartCreatedOrReadAsync();

        var first = await app.GetAsync();
        var cookie = SetCookie.Require(first);
        Assert.Equal("sessid", SetCookie.Name(cookie));
        Assert.Equal("session created", await first.Content.ReadAsStringAsync());
        var sid = SetCookie.SessionId(cookie);

        var second = await app.GetAsync("/", "sessid=" + sid);
        var secondCookie = SetCookie.Require(second);
        Assert.Equal("sessid", SetCookie.Name(secondCookie));
        Assert.NotEqual(sid, SetCookie.SessionId(secondCookie));
        Assert.Equal(200, (int)second.StatusCode);
        Assert.Equal("session created", await second.Content.ReadAsStringAsync());
    }

    // express-session #43
    [Fact]
    public async Task A_badly_signed_sid_is_not_looked_up_in_the_store()
    {
        var store = new CountingStore(ExpressHarness.NewClock());
        await using var app = await StartCreatedOrReadAsync(store);

        var first = await app.GetAsync();
        var cookie = SetCookie.Require(first);
        var dot = cookie.IndexOf('.', StringComparison.Ordinal);
        var broken = cookie[..(dot - 3)] + cookie[dot..];

        var second = await app.GetAsync("/", broken);
        Assert.Equal("sessid", SetCookie.Name(SetCookie.Require(second)));
        Assert.Equal(200, (int)second.StatusCode);
        Assert.Equal("session created", await second.Content.ReadAsStringAsync());
        Assert.Equal(0, store.Gets);
    }

    // express-session #44
    [Fact]
    public async Task An_expired_session_gives_a_new_session()
    {
        var count = 0;
        await using var app = await TestApp.StartAsync(
            ExpressHarness.Defaults(o => o.Cookie = new SessionCookieOptions { MaxAge = TimeSpan.FromMilliseconds(5) }),
            context => SessionTests.SessionNumber(context, ref count));

        var first = await app.GetAsync();
        var cookie = SetCookie.Require(first);
        Assert.Equal("session 1", await first.Content.ReadAsStringAsync());
        app.Time.Advance(TimeSpan.FromMilliseconds(20));

        var second = await app.GetAsync("/", cookie);
        Assert.Equal("connect.sid", SetCookie.Name(SetCookie.Require(second)));
        Assert.Equal(200, (int)second.StatusCode);
        Assert.Equal("session 2", await second.Content.ReadAsStringAsync());
    }

    // express-session #45
    [Fact]
    public async Task An_expired_session_gets_a_new_sid()
    {
        var count = 0;
        await using var app = await TestApp.StartAsync(
            ExpressHarness.Defaults(o => o.Cookie = new SessionCookieOptions { MaxAge = TimeSpan.FromMilliseconds(5) }),
            context => SessionTests.SessionNumber(context, ref count));

        var first = await app.GetAsync();
        var cookie = SetCookie.Require(first);
        app.Time.Advance(TimeSpan.FromMilliseconds(15));

        var second = await app.GetAsync("/", cookie);
        Assert.NotEqual(SetCookie.SessionId(cookie), SetCookie.SessionId(SetCookie.Require(second)));
        Assert.Equal("session 2", await second.Content.ReadAsStringAsync());
    }

    // express-session #46
    [Fact]
    public async Task An_expired_session_is_no_longer_in_the_store()
    {
        var time = ExpressHarness.NewClock();
        var store = new MemoryStore(timeProvider: time);
        var count = 0;
        await using var app = await TestApp.StartAsync(
            ExpressHarness.Defaults(o => o.Cookie = new SessionCookieOptions { MaxAge = TimeSpan.FromMilliseconds(5) }),
            context => SessionTests.SessionNumber(context, ref count),
            store: store,
            time: time);

        var first = await app.GetAsync();
        Assert.Equal(200, (int)first.StatusCode);
        Assert.Equal(1, store.EntryCount);
        time.Advance(TimeSpan.FromMilliseconds(10));

        Assert.Empty(await store.AllAsync());
        Assert.Equal(0, store.EntryCount);
    }

    // express-session #47 (Tessera: an unreadable document is no session, not a 500)
    [Fact]
    public async Task A_stored_document_without_a_cookie_gives_a_new_session()
    {
        var time = ExpressHarness.NewClock();
        var store = new DocumentStore(time);
        var count = 0;
        var errors = new ErrorSink();
        await using var app = await TestApp.StartAsync(
            ExpressHarness.Defaults(),
            context => SessionTests.SessionNumber(context, ref count),
            errors.Install,
            store,
            time);

        var first = await app.GetAsync();
        var cookie = SetCookie.Require(first);
        var sid = SetCookie.SessionId(cookie);
        store.Documents[sid] = """{"foo":"bar"}""";

        var second = await app.GetAsync("/", cookie);

        Assert.Equal(200, (int)second.StatusCode);
        Assert.Equal("session 2", await second.Content.ReadAsStringAsync());
        Assert.NotEqual(sid, SetCookie.SessionId(SetCookie.Require(second)));
        Assert.Empty(errors.Errors);
    }

    /// <summary>express-session's <c>{key: 'sessid'}</c> server answering "session created" or "session read".</summary>
    private static Task<TestApp> StartCreatedOrReadAsync(ISessionStore? store = null) =>
        TestApp.StartAsync(
            ExpressHarness.Defaults(o => o.Name = "sessid"),
            context =>
            {
                var session = context.GetSession();
                var text = session.ContainsKey("active") ? "session read" : "session created";
                session.Set("active", true);
                return context.Response.WriteAsync(text);
            },
            store: store);
}
