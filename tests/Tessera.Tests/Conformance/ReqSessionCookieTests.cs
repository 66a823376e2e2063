using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Tessera.Cookies;
using Tessera.Tests.Infrastructure;

namespace Tessera.Tests.Conformance;

/// <summary>express-session's <c>req.session.cookie</c> tests: <see cref="Session.Cookie"/>.</summary>
public sealed class ReqSessionCookieTests
{
    // express-session #133
    [Fact]
    public async Task Cookie_changes_are_serialized_as_attributes()
    {
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(o => o.Proxy = true), context =>
        {
            var cookie = context.GetSession().Cookie;
            cookie.HttpOnly = false;
            cookie.Secure = true;
            return Task.CompletedTask;
        });

        var response = await ProxyOptionTests.GetAsync(app, forwardedProto: "https");

        var line = SetCookie.Require(response);
        Assert.Null(SetCookie.Attribute(line, "HttpOnly"));
        Assert.NotNull(SetCookie.Attribute(line, "Secure"));
    }

    // express-session #134
    [Fact]
    public async Task The_cookie_defaults_to_a_browser_session_cookie()
    {
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(o => o.Cookie = new SessionCookieOptions { Path = "/admin" }));

        var response = await app.GetAsync("/admin");

        Assert.Null(SetCookie.Attribute(SetCookie.Require(response), "Expires"));
    }

    // express-session #135
    [Fact]
    public async Task A_browser_session_cookie_is_sent_only_once()
    {
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(o => o.Cookie = new SessionCookieOptions { Path = "/admin" }));

        var first = await app.GetAsync("/admin/foo");
        var cookie = SetCookie.Require(first);

        var second = await app.GetAsync("/admin", cookie);
        Assert.Null(SetCookie.First(second));
    }

    // express-session #136
    [Fact]
    public async Task Cookie_changes_override_the_options()
    {
        await using var app = await TestApp.StartAsync(
            ExpressHarness.Defaults(o => o.Cookie = new SessionCookieOptions
            {
                HttpOnly = false,
                MaxAge = TimeSpan.FromMilliseconds(5000),
                Path = "/admin",
                Priority = CookiePriority.High,
                Secure = CookieSecurePolicy.Always,
            }),
            context =>
            {
                context.GetSession().Cookie.Secure = false;
                return Task.CompletedTask;
            });

        var response = await app.GetAsync("/admin");

        var line = SetCookie.Require(response);
        Assert.NotNull(SetCookie.Attribute(line, "Expires"));
        Assert.Null(SetCookie.Attribute(line, "HttpOnly"));
        Assert.Equal("/admin", SetCookie.Attribute(line, "Path"));
        Assert.Null(SetCookie.Attribute(line, "Secure"));
        Assert.Equal("High", SetCookie.Attribute(line, "Priority"));
    }

    // express-session #137 (an invalid attribute instead of an invalid date, which .NET cannot hold)
    [Theory]
    [InlineData("Path", "/admin; Domain=evil.example")]
    [InlineData("Domain", "evil.example; Path=/")]
    public async Task An_invalid_cookie_attribute_is_reported_and_the_cookie_not_sent(string attribute, string value)
    {
        var store = new CountingStore(ExpressHarness.NewClock());
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(), context =>
        {
            var cookie = context.GetSession().Cookie;
            if (attribute == "Path")
            {
                cookie.Path = value;
            }
            else
            {
                cookie.Domain = value;
            }

            return context.Response.WriteAsync("ok");
        }, store: store);
        var logs = LogSink.Attach(app);

        var response = await app.GetAsync("/admin");

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
        Assert.Null(SetCookie.First(response));
        var failure = Assert.Single(logs.Named("SetCookieFailed"));
        Assert.Contains(attribute, failure.Exception?.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1, store.Sets);
    }

    // express-session #138
    [Fact]
    public async Task Cookies_set_before_the_response_starts_are_kept_first()
    {
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(), context =>
        {
            context.Response.Headers.Append(HeaderNames.SetCookie, SetCookieHeader.Build("previous", "cookieValue", new SessionCookie()));
            return Task.CompletedTask;
        });

        var response = await app.GetAsync();

        var lines = SetCookie.Lines(response);
        Assert.Equal("previous", SetCookie.Name(lines[0]));
        Assert.Equal("cookieValue", SetCookie.Value(lines[0]));
        Assert.Equal("connect.sid", SetCookie.Name(lines[1]));
    }

    // express-session #139
    [Fact]
    public async Task Cookies_set_when_the_response_is_started_explicitly_are_kept_first()
    {
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(), async context =>
        {
            context.Response.StatusCode = 200;
            context.Response.Headers.Append(HeaderNames.SetCookie, SetCookieHeader.Build("previous", "cookieValue", new SessionCookie()));
            await context.Response.StartAsync();
        });

        var response = await app.GetAsync();

        var lines = SetCookie.Lines(response);
        Assert.Equal("previous", SetCookie.Name(lines[0]));
        Assert.Equal("cookieValue", SetCookie.Value(lines[0]));
        Assert.Equal("connect.sid", SetCookie.Name(lines[1]));
    }

    // express-session #140
    [Fact]
    public async Task Original_max_age_is_the_configured_max_age()
    {
        await using var app = await StartReportingOriginalMaxAgeAsync();

        var response = await app.GetAsync();

        Assert.Equal("2000", await response.Content.ReadAsStringAsync());
    }

    // express-session #141
    [Fact]
    public async Task Original_max_age_stays_the_configured_max_age_on_later_requests()
    {
        await using var app = await StartReportingOriginalMaxAgeAsync();

        var first = await app.GetAsync();
        Assert.Equal("2000", await first.Content.ReadAsStringAsync());
        app.Time.Advance(TimeSpan.FromMilliseconds(100));

        var second = await app.GetAsync("/", SetCookie.Require(first));
        Assert.Equal("2000", await second.Content.ReadAsStringAsync());
    }

    // express-session #142
    [Fact]
    public async Task Original_max_age_stays_the_configured_max_age_with_a_store_of_objects()
    {
        await using var app = await StartReportingOriginalMaxAgeAsync(new ObjectStore());

        var first = await app.GetAsync();
        Assert.Equal("2000", await first.Content.ReadAsStringAsync());
        app.Time.Advance(TimeSpan.FromMilliseconds(100));

        var second = await app.GetAsync("/", SetCookie.Require(first));
        Assert.Equal("2000", await second.Content.ReadAsStringAsync());
    }

    // express-session #143
    [Fact]
    public async Task A_secure_cookie_is_sent_over_a_tls_connection()
    {
        await using var app = await StartWithSecureCookieAsync(ExpressHarness.TlsConnection);

        var response = await app.GetAsync();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("connect.sid", SetCookie.Name(SetCookie.Require(response)));
    }

    // express-session #144
    [Fact]
    public async Task A_secure_cookie_is_not_sent_over_plain_http()
    {
        await using var app = await StartWithSecureCookieAsync(null);

        var response = await app.GetAsync();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Null(SetCookie.First(response));
        Assert.Equal(1, await ((IEnumerableSessionStore)app.Store).CountAsync());
    }

    // express-session #145
    [Fact]
    public async Task Expires_is_now_plus_max_age()
    {
        await using var app = await StartCountingMaxAgeAsync();
        var cookie = await FirstVisitAsync(app);

        var response = await app.GetAsync("/", cookie);

        Assert.Equal("1", await response.Content.ReadAsStringAsync());
        Assert.Equal(TimeSpan.FromMilliseconds(2000), ExpiresIn(app, response));
    }

    // express-session #146
    [Fact]
    public async Task Changing_max_age_changes_expires()
    {
        await using var app = await StartCountingMaxAgeAsync();
        var cookie = await FirstVisitAsync(app);
        await app.GetAsync("/", cookie);

        var response = await app.GetAsync("/", cookie);

        Assert.Equal("2", await response.Content.ReadAsStringAsync());
        Assert.Equal(TimeSpan.FromMilliseconds(5000), ExpiresIn(app, response));
    }

    // express-session #147
    [Fact]
    public async Task Changing_max_age_to_a_large_value_changes_expires()
    {
        await using var app = await StartCountingMaxAgeAsync();
        var cookie = await FirstVisitAsync(app);
        await app.GetAsync("/", cookie);
        await app.GetAsync("/", cookie);

        var response = await app.GetAsync("/", cookie);

        Assert.Equal("3", await response.Content.ReadAsStringAsync());
        Assert.Equal(TimeSpan.FromMilliseconds(3000000000), ExpiresIn(app, response));
    }

    // express-session #148
    [Fact]
    public async Task Setting_expires_to_a_date_makes_it_absolute()
    {
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(), context =>
        {
            context.GetSession().Cookie.Expires = DateTimeOffset.UnixEpoch;
            return Task.CompletedTask;
        });

        var response = await app.GetAsync();

        Assert.Equal("Thu, 01 Jan 1970 00:00:00 GMT", SetCookie.Attribute(SetCookie.Require(response), "Expires"));
    }

    // express-session #149
    [Fact]
    public async Task Setting_expires_to_null_makes_a_browser_session_cookie()
    {
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(), ClearExpires);

        var response = await app.GetAsync();

        Assert.Null(SetCookie.Attribute(SetCookie.Require(response), "Expires"));
    }

    // express-session #150
    [Fact]
    public async Task A_browser_session_cookie_is_not_sent_again()
    {
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(), ClearExpires);

        var first = await app.GetAsync();
        var cookie = SetCookie.Require(first);
        Assert.Null(SetCookie.Attribute(cookie, "Expires"));

        var second = await app.GetAsync("/", cookie);
        Assert.Null(SetCookie.First(second));
    }

    // express-session #151
    [Fact]
    public async Task A_browser_session_cookie_is_not_sent_again_when_the_session_changes()
    {
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(), context =>
        {
            var session = context.GetSession();
            session.Set("hit", session.Get<int>("hit") + 1);
            return ClearExpires(context);
        });

        var first = await app.GetAsync();
        var cookie = SetCookie.Require(first);
        Assert.Null(SetCookie.Attribute(cookie, "Expires"));

        var second = await app.GetAsync("/", cookie);
        Assert.Null(SetCookie.First(second));
    }

    // express-session #152
    [Fact]
    public async Task Partitioned_is_not_set_by_default()
    {
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults());

        var response = await app.GetAsync();

        Assert.Null(SetCookie.Attribute(SetCookie.Require(response), "Partitioned"));
    }

    // express-session #153
    [Fact]
    public async Task Partitioned_false_is_not_set()
    {
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(o => o.Cookie = new SessionCookieOptions { Partitioned = false }));

        var response = await app.GetAsync();

        Assert.Null(SetCookie.Attribute(SetCookie.Require(response), "Partitioned"));
    }

    // express-session #154 (Tessera requires a partitioned cookie to be secure, so the request is HTTPS)
    [Fact]
    public async Task Partitioned_true_is_set()
    {
        await using var app = await TestApp.StartAsync(
            ExpressHarness.Defaults(o => o.Cookie = new SessionCookieOptions { Partitioned = true, Secure = CookieSecurePolicy.SameAsRequest }),
            before: ExpressHarness.SecureFromHeader);

        var response = await ProxyOptionTests.GetAsync(app, secure: true);

        Assert.NotNull(SetCookie.Attribute(SetCookie.Require(response), "Partitioned"));
    }

    private static Task ClearExpires(HttpContext context)
    {
        context.GetSession().Cookie.Expires = null;
        return Task.CompletedTask;
    }

    private static Task<TestApp> StartReportingOriginalMaxAgeAsync(ISessionStore? store = null)
    {
        var time = ExpressHarness.NewClock();
        return TestApp.StartAsync(
            ExpressHarness.Defaults(o => o.Cookie = new SessionCookieOptions { MaxAge = TimeSpan.FromMilliseconds(2000) }),
            context => context.Response.WriteAsync(
                context.GetSession().Cookie.OriginalMaxAge?.TotalMilliseconds.ToString(CultureInfo.InvariantCulture) ?? "null"),
            store: store ?? new MemoryStore(timeProvider: time),
            time: time);
    }

    private static Task<TestApp> StartWithSecureCookieAsync(Action<Microsoft.AspNetCore.Builder.IApplicationBuilder>? before) =>
        TestApp.StartAsync(
            ExpressHarness.Defaults(o => o.Cookie = new SessionCookieOptions { Secure = CookieSecurePolicy.Always }),
            before: before);

    /// <summary>
    /// express-session's <c>{cookie: {maxAge: 2000}}</c> server whose handler counts visits and,
    /// on the second and third, changes <c>maxAge</c>; the body is the count.
    /// </summary>
    private static Task<TestApp> StartCountingMaxAgeAsync() =>
        TestApp.StartAsync(
            ExpressHarness.Defaults(o => o.Cookie = new SessionCookieOptions { MaxAge = TimeSpan.FromMilliseconds(2000) }),
            context =>
            {
                var session = context.GetSession();
                var count = session.TryGet<int>("count", out var previous) ? previous + 1 : 0;
                switch (count)
                {
                    case 1:
                        break;
                    case 2:
                        session.Cookie.MaxAge = TimeSpan.FromMilliseconds(5000);
                        break;
                    case 3:
                        session.Cookie.MaxAge = TimeSpan.FromMilliseconds(3000000000);
                        break;
                    default:
                        count = 0;
                        break;
                }

                session.Set("count", count);
                return context.Response.WriteAsync(count.ToString(CultureInfo.InvariantCulture));
            });

    private static async Task<string> FirstVisitAsync(TestApp app)
    {
        var response = await app.GetAsync();
        Assert.Equal("0", await response.Content.ReadAsStringAsync());
        return SetCookie.Require(response);
    }

    /// <summary>The cookie's Expires minus the server's clock (TestServer sends no Date header).</summary>
    private static TimeSpan ExpiresIn(TestApp app, HttpResponseMessage response)
    {
        var expires = DateTimeOffset.Parse(SetCookie.Attribute(SetCookie.Require(response), "Expires")!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        return expires - app.Time.GetUtcNow();
    }
}
