using Microsoft.AspNetCore.Http;
using Tessera.Tests.Infrastructure;

namespace Tessera.Tests.Guarantees;

public sealed class ExpiryPolicyTests
{
    private static Task<TestApp> StartAsync(Action<TesseraOptions> configure, CountingStore? store = null) =>
        TestApp.StartAsync(
            o =>
            {
                o.Cookie.MaxAge = null;
                configure(o);
            },
            async context =>
            {
                var session = context.GetSession();
                if (context.Request.Path == "/write")
                {
                    session.Set("n", session.Get<int>("n") + 1);
                }
                else if (context.Request.Path == "/started")
                {
                    await context.Response.StartAsync(); // the response starts before the end-of-request commit
                }

                await context.Response.WriteAsync(session.Get<int>("n").ToString());
            },
            store: store);

    [Fact]
    public async Task The_idle_timeout_sets_the_cookie_the_stored_expiry_and_the_store_lifetime()
    {
        await using var app = await StartAsync(o => o.IdleTimeout = TimeSpan.FromMinutes(20));
        var cookie = SetCookie.Require(await app.GetAsync("/write"));
        var stored = await app.Store.GetAsync(SetCookie.SessionId(cookie));

        var expected = app.Time.GetUtcNow().AddMinutes(20);
        Assert.Equal(expected.UtcDateTime.ToString("R"), SetCookie.Attribute(cookie, "Expires"));
        Assert.Equal(expected, stored!.Expires);

        app.Time.Advance(TimeSpan.FromMinutes(19));
        Assert.Equal("1", await (await app.GetAsync("/", cookie)).Content.ReadAsStringAsync()); // use re-arms it
        app.Time.Advance(TimeSpan.FromMinutes(19));
        Assert.Equal("1", await (await app.GetAsync("/", cookie)).Content.ReadAsStringAsync());
        app.Time.Advance(TimeSpan.FromMinutes(21));
        Assert.Equal("0", await (await app.GetAsync("/", cookie)).Content.ReadAsStringAsync()); // idle too long
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/started")]
    public async Task With_an_idle_timeout_a_read_only_request_re_sends_the_cookie_with_the_re_armed_expiry(string path)
    {
        await using var app = await StartAsync(o => o.IdleTimeout = TimeSpan.FromSeconds(20));
        var cookie = SetCookie.Require(await app.GetAsync("/write"));

        // Active every 8 s: the browser's copy of the expiry moves with the stored one, and the
        // session outlives its first cookie's Expires.
        for (var i = 0; i < 4; i++)
        {
            app.Time.Advance(TimeSpan.FromSeconds(8));
            var response = await app.GetAsync(path, cookie);
            var resent = SetCookie.Require(response);
            Assert.Equal(SetCookie.Value(cookie), SetCookie.Value(resent)); // the same signed ID
            Assert.Equal(app.Time.GetUtcNow().AddSeconds(20).UtcDateTime.ToString("R"), SetCookie.Attribute(resent, "Expires"));
            var stored = await app.Store.GetAsync(SetCookie.SessionId(resent));
            Assert.Equal(app.Time.GetUtcNow().AddSeconds(20), stored!.Expires);
            Assert.Equal("1", await response.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task With_an_idle_timeout_and_TouchAfter_the_cookie_is_re_sent_only_when_the_touch_goes_through()
    {
        await using var app = await StartAsync(o =>
        {
            o.IdleTimeout = TimeSpan.FromMinutes(30);
            o.TouchAfter = TimeSpan.FromMinutes(5);
        });
        var cookie = SetCookie.Require(await app.GetAsync("/write"));

        app.Time.Advance(TimeSpan.FromMinutes(2));
        Assert.Empty(SetCookie.Lines(await app.GetAsync("/", cookie))); // held back: neither touched nor re-sent
        app.Time.Advance(TimeSpan.FromMinutes(2));
        Assert.Empty(SetCookie.Lines(await app.GetAsync("/started", cookie)));

        app.Time.Advance(TimeSpan.FromMinutes(2)); // six minutes since the session was armed
        var resent = SetCookie.Require(await app.GetAsync("/", cookie));
        Assert.Equal(app.Time.GetUtcNow().AddMinutes(30).UtcDateTime.ToString("R"), SetCookie.Attribute(resent, "Expires"));
        var stored = await app.Store.GetAsync(SetCookie.SessionId(resent));
        Assert.Equal(app.Time.GetUtcNow().AddMinutes(30), stored!.Expires);
    }

    [Fact]
    public async Task With_Cookie_MaxAge_alone_a_read_only_request_gets_no_cookie_as_in_express_session()
    {
        await using var app = await StartAsync(o => o.Cookie.MaxAge = TimeSpan.FromSeconds(20));
        var cookie = SetCookie.Require(await app.GetAsync("/write"));

        app.Time.Advance(TimeSpan.FromSeconds(8));
        Assert.Empty(SetCookie.Lines(await app.GetAsync("/", cookie)));
        app.Time.Advance(TimeSpan.FromSeconds(8));
        Assert.Empty(SetCookie.Lines(await app.GetAsync("/started", cookie)));
    }

    [Fact]
    public async Task The_absolute_timeout_ends_an_active_session()
    {
        await using var app = await StartAsync(o =>
        {
            o.IdleTimeout = TimeSpan.FromMinutes(20);
            o.AbsoluteTimeout = TimeSpan.FromMinutes(45);
        });
        var cookie = SetCookie.Require(await app.GetAsync("/write"));
        var id = SetCookie.SessionId(cookie);

        for (var i = 0; i < 4; i++)
        {
            app.Time.Advance(TimeSpan.FromMinutes(10));
            Assert.Equal((i + 2).ToString(), await (await app.GetAsync("/write", cookie)).Content.ReadAsStringAsync());
        }

        app.Time.Advance(TimeSpan.FromMinutes(5)); // 45 minutes after creation
        Assert.Equal("0", await (await app.GetAsync("/", cookie)).Content.ReadAsStringAsync());
        Assert.Null(await app.Store.GetAsync(id));
    }

    [Fact]
    public async Task The_cookie_expiry_is_capped_at_the_absolute_deadline()
    {
        await using var app = await StartAsync(o =>
        {
            o.IdleTimeout = TimeSpan.FromMinutes(20);
            o.AbsoluteTimeout = TimeSpan.FromMinutes(30);
            o.Rolling = true;
        });
        var deadline = app.Time.GetUtcNow().AddMinutes(30);
        var cookie = SetCookie.Require(await app.GetAsync("/write"));

        app.Time.Advance(TimeSpan.FromMinutes(15));
        var rolled = SetCookie.Require(await app.GetAsync("/", cookie));

        Assert.Equal(deadline.UtcDateTime.ToString("R"), SetCookie.Attribute(rolled, "Expires"));
    }

    [Fact]
    public async Task With_TouchAfter_read_only_requests_within_the_interval_write_to_the_store_at_most_once()
    {
        await using var app = await TestApp.StartCountingAsync(
            o =>
            {
                o.Cookie.MaxAge = null;
                o.IdleTimeout = TimeSpan.FromMinutes(30);
                o.TouchAfter = TimeSpan.FromMinutes(5);
            },
            context => context.Response.WriteAsync(context.GetSession().Get<int>("n").ToString()));
        var counting = (CountingStore)app.Store;
        var cookie = await SeedAsync(app);
        counting.ResetCounts();

        for (var i = 0; i < 20; i++)
        {
            app.Time.Advance(TimeSpan.FromSeconds(20)); // 20 requests over 6 minutes 40 seconds
            Assert.True((await app.GetAsync("/", cookie)).IsSuccessStatusCode);
        }

        Assert.Equal(0, counting.Sets);
        Assert.Equal(1, counting.Touches); // once, when five minutes had passed since the session was last armed
    }

    [Fact]
    public async Task Without_TouchAfter_every_read_only_request_touches_the_store()
    {
        await using var app = await TestApp.StartCountingAsync(
            o => o.Cookie.MaxAge = TimeSpan.FromMinutes(30),
            context => context.Response.WriteAsync(context.GetSession().Get<int>("n").ToString()));
        var counting = (CountingStore)app.Store;
        var cookie = await SeedAsync(app);
        counting.ResetCounts();

        for (var i = 0; i < 20; i++)
        {
            app.Time.Advance(TimeSpan.FromSeconds(20));
            await app.GetAsync("/", cookie);
        }

        Assert.Equal(20, counting.Touches);
    }

    private static async Task<string> SeedAsync(TestApp app)
    {
        var data = new SessionData(new SessionCookie(app.Time) { MaxAge = TimeSpan.FromMinutes(30) });
        data.SetRawValue("n", "1"u8);
        const string id = "abcdefghijklmnopqrstuvwxyz012345";
        await app.Store.SetAsync(id, data);
        return "connect.sid=" + Tessera.Cookies.UriComponent.Encode("s:" + new Tessera.Cookies.CookieSigner(["keyboard cat"]).Sign(id));
    }
}
