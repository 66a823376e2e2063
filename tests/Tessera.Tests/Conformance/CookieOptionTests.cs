using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Tessera.Tests.Infrastructure;

namespace Tessera.Tests.Conformance;

/// <summary>
/// express-session's <c>cookie option</c>: the cookie path limits which requests get a session,
/// <c>'auto'</c> values follow the request's security, and the options can be chosen per request.
/// </summary>
public sealed class CookieOptionTests
{
    // express-session #55
    [Fact]
    public async Task With_path_foo_bar_a_request_for_slash_gets_no_cookie()
    {
        await using var app = await StartWithPathAsync();

        var response = await app.GetAsync("/");

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Null(SetCookie.First(response));
    }

    // express-session #56
    [Fact]
    public async Task With_path_foo_bar_the_host_header_does_not_count_as_path()
    {
        await using var app = await StartWithPathAsync();

        var response = await app.SendAsync(HttpMethod.Get, "/", configure: request => request.Headers.TryAddWithoutValidation("Host", "http://foo/bar"));

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Null(SetCookie.First(response));
    }

    // express-session #57
    [Fact]
    public async Task With_path_foo_bar_a_request_for_foo_bar_gets_a_cookie()
    {
        await using var app = await StartWithPathAsync();

        var response = await app.GetAsync("/foo/bar");

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("connect.sid", SetCookie.Name(SetCookie.Require(response)));
    }

    // express-session #58
    [Fact]
    public async Task With_path_foo_bar_a_request_for_foo_bar_baz_gets_a_cookie()
    {
        await using var app = await StartWithPathAsync();

        var response = await app.GetAsync("/foo/bar/baz");

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("connect.sid", SetCookie.Name(SetCookie.Require(response)));
    }

    // express-session #59
    [Fact]
    public async Task With_path_foo_bar_mounted_at_foo_a_request_for_foo_bar_gets_a_cookie()
    {
        await using var app = await StartWithPathAsync(a => a.UsePathBase("/foo"));

        var response = await app.GetAsync("/foo/bar");

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("connect.sid", SetCookie.Name(SetCookie.Require(response)));
        Assert.Equal("/foo|/bar", await response.Content.ReadAsStringAsync());
    }

    // express-session #60
    [Fact]
    public async Task With_path_foo_bar_mounted_at_foo_a_request_for_foo_foo_bar_gets_no_cookie()
    {
        await using var app = await StartWithPathAsync(a => a.UsePathBase("/foo"));

        var response = await app.GetAsync("/foo/foo/bar");

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Null(SetCookie.First(response));
        Assert.Equal("/foo|/foo/bar", await response.Content.ReadAsStringAsync());
    }

    // express-session #61
    [Fact]
    public async Task Secure_auto_behind_a_trusted_proxy_is_secure_when_x_forwarded_proto_is_https()
    {
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(o =>
        {
            o.Proxy = true;
            o.Cookie = new SessionCookieOptions { MaxAge = TimeSpan.FromMilliseconds(5), Secure = CookieSecurePolicy.SameAsRequest };
        }));

        var response = await ProxyOptionTests.GetAsync(app, forwardedProto: "https");

        Assert.Equal(200, (int)response.StatusCode);
        Assert.NotNull(SetCookie.Attribute(SetCookie.Require(response), "Secure"));
    }

    // express-session #62
    [Fact]
    public async Task Secure_auto_without_proxy_trust_is_not_secure_when_x_forwarded_proto_is_https()
    {
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(o =>
        {
            o.Proxy = false;
            o.Cookie = new SessionCookieOptions { MaxAge = TimeSpan.FromMilliseconds(5), Secure = CookieSecurePolicy.SameAsRequest };
        }));

        var response = await ProxyOptionTests.GetAsync(app, forwardedProto: "https");

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Null(SetCookie.Attribute(SetCookie.Require(response), "Secure"));
    }

    // express-session #63
    [Fact]
    public async Task Secure_auto_with_proxy_unspecified_is_secure_when_the_request_is_https()
    {
        await using var app = await StartReportingSecureAsync(new SessionCookieOptions { Secure = CookieSecurePolicy.SameAsRequest });

        var response = await ProxyOptionTests.GetAsync(app, secure: true);

        Assert.NotNull(SetCookie.Attribute(SetCookie.Require(response), "Secure"));
        Assert.Equal("true", await response.Content.ReadAsStringAsync());
    }

    // express-session #64
    [Fact]
    public async Task Secure_auto_with_proxy_unspecified_is_not_secure_when_the_request_is_http()
    {
        await using var app = await StartReportingSecureAsync(new SessionCookieOptions { Secure = CookieSecurePolicy.SameAsRequest });

        var response = await ProxyOptionTests.GetAsync(app, secure: false);

        Assert.Null(SetCookie.Attribute(SetCookie.Require(response), "Secure"));
        Assert.Equal("false", await response.Content.ReadAsStringAsync());
    }

    // express-session #65
    [Fact]
    public async Task A_cookie_selector_is_called_and_its_options_applied()
    {
        var calls = 0;
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(o => o.CookieSelector = _ =>
        {
            Interlocked.Increment(ref calls);
            return new SessionCookieOptions { Path = "/test", HttpOnly = true, Secure = CookieSecurePolicy.None };
        }));

        var response = await app.GetAsync("/test");

        Assert.Equal(200, (int)response.StatusCode);
        var cookie = SetCookie.Require(response);
        Assert.Equal("/test", SetCookie.Attribute(cookie, "Path"));
        Assert.NotNull(SetCookie.Attribute(cookie, "HttpOnly"));
        Assert.Null(SetCookie.Attribute(cookie, "Secure"));
        Assert.True(calls > 0);
    }

    // express-session #66
    [Fact]
    public async Task A_cookie_selector_is_given_the_request()
    {
        var calls = 0;
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(o => o.CookieSelector = context =>
        {
            Interlocked.Increment(ref calls);
            return new SessionCookieOptions { Path = context.Request.Path.Value!, HttpOnly = true, Secure = CookieSecurePolicy.None };
        }));

        var response = await app.GetAsync("/test");

        Assert.Equal(200, (int)response.StatusCode);
        var cookie = SetCookie.Require(response);
        Assert.Equal("/test", SetCookie.Attribute(cookie, "Path"));
        Assert.NotNull(SetCookie.Attribute(cookie, "HttpOnly"));
        Assert.Null(SetCookie.Attribute(cookie, "Secure"));
        Assert.True(calls > 0);
    }

    // express-session spec §1.2 (deliberate difference: express resolves 'auto' only for static options)
    [Fact]
    public async Task A_cookie_selector_may_use_the_auto_values()
    {
        await using var app = await TestApp.StartAsync(
            ExpressHarness.Defaults(o => o.CookieSelector = _ => new SessionCookieOptions { Secure = CookieSecurePolicy.SameAsRequest, SameSiteAuto = true }),
            before: ExpressHarness.SecureFromHeader);

        var secure = SetCookie.Require(await ProxyOptionTests.GetAsync(app, secure: true));
        var insecure = SetCookie.Require(await ProxyOptionTests.GetAsync(app, secure: false));

        Assert.NotNull(SetCookie.Attribute(secure, "Secure"));
        Assert.Equal("None", SetCookie.Attribute(secure, "SameSite"));
        Assert.Null(SetCookie.Attribute(insecure, "Secure"));
        Assert.Equal("Lax", SetCookie.Attribute(insecure, "SameSite"));
    }

    // express-session #67
    [Fact]
    public async Task Same_site_auto_is_none_for_a_secure_request()
    {
        await using var app = await StartReportingSecureAsync(new SessionCookieOptions { SameSiteAuto = true });

        var response = await ProxyOptionTests.GetAsync(app, secure: true);

        Assert.Equal("None", SetCookie.Attribute(SetCookie.Require(response), "SameSite"));
        Assert.Equal("true", await response.Content.ReadAsStringAsync());
    }

    // express-session #68
    [Fact]
    public async Task Same_site_auto_is_lax_for_an_insecure_request()
    {
        await using var app = await StartReportingSecureAsync(new SessionCookieOptions { SameSiteAuto = true });

        var response = await ProxyOptionTests.GetAsync(app, secure: false);

        Assert.Equal("Lax", SetCookie.Attribute(SetCookie.Require(response), "SameSite"));
        Assert.Equal("false", await response.Content.ReadAsStringAsync());
    }

    // express-session #69
    [Fact]
    public async Task Same_site_auto_behind_a_trusted_proxy_is_none_when_x_forwarded_proto_is_https()
    {
        await using var app = await StartSameSiteAutoWithProxyAsync(true);

        var response = await ProxyOptionTests.GetAsync(app, forwardedProto: "https");

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("None", SetCookie.Attribute(SetCookie.Require(response), "SameSite"));
    }

    // express-session #70
    [Fact]
    public async Task Same_site_auto_behind_a_trusted_proxy_is_lax_when_x_forwarded_proto_is_http()
    {
        await using var app = await StartSameSiteAutoWithProxyAsync(true);

        var response = await ProxyOptionTests.GetAsync(app, forwardedProto: "http");

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("Lax", SetCookie.Attribute(SetCookie.Require(response), "SameSite"));
    }

    // express-session #71
    [Fact]
    public async Task Same_site_auto_without_proxy_trust_is_lax_when_x_forwarded_proto_is_https()
    {
        await using var app = await StartSameSiteAutoWithProxyAsync(false);

        var response = await ProxyOptionTests.GetAsync(app, forwardedProto: "https");

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("Lax", SetCookie.Attribute(SetCookie.Require(response), "SameSite"));
    }

    // express-session #72
    [Fact]
    public async Task Same_site_auto_and_secure_auto_give_secure_and_none_for_a_secure_request()
    {
        await using var app = await StartReportingSecureAsync(new SessionCookieOptions { Secure = CookieSecurePolicy.SameAsRequest, SameSiteAuto = true });

        var response = await ProxyOptionTests.GetAsync(app, secure: true);

        var cookie = SetCookie.Require(response);
        Assert.NotNull(SetCookie.Attribute(cookie, "Secure"));
        Assert.Equal("None", SetCookie.Attribute(cookie, "SameSite"));
        Assert.Equal("true", await response.Content.ReadAsStringAsync());
    }

    // express-session #73
    [Fact]
    public async Task Same_site_auto_and_secure_auto_give_lax_without_secure_for_an_insecure_request()
    {
        await using var app = await StartReportingSecureAsync(new SessionCookieOptions { Secure = CookieSecurePolicy.SameAsRequest, SameSiteAuto = true });

        var response = await ProxyOptionTests.GetAsync(app, secure: false);

        var cookie = SetCookie.Require(response);
        Assert.Null(SetCookie.Attribute(cookie, "Secure"));
        Assert.Equal("Lax", SetCookie.Attribute(cookie, "SameSite"));
        Assert.Equal("false", await response.Content.ReadAsStringAsync());
    }

    // express-session #74
    [Fact]
    public async Task Same_site_auto_with_secure_off_gives_none_without_secure_for_a_secure_request()
    {
        await using var app = await StartReportingSecureAsync(new SessionCookieOptions { Secure = CookieSecurePolicy.None, SameSiteAuto = true });

        var response = await ProxyOptionTests.GetAsync(app, secure: true);

        var cookie = SetCookie.Require(response);
        Assert.Null(SetCookie.Attribute(cookie, "Secure"));
        Assert.Equal("None", SetCookie.Attribute(cookie, "SameSite"));
        Assert.Equal("true", await response.Content.ReadAsStringAsync());
    }

    // express-session #75
    [Fact]
    public async Task Same_site_auto_with_secure_off_gives_lax_without_secure_for_an_insecure_request()
    {
        await using var app = await StartReportingSecureAsync(new SessionCookieOptions { Secure = CookieSecurePolicy.None, SameSiteAuto = true });

        var response = await ProxyOptionTests.GetAsync(app, secure: false);

        var cookie = SetCookie.Require(response);
        Assert.Null(SetCookie.Attribute(cookie, "Secure"));
        Assert.Equal("Lax", SetCookie.Attribute(cookie, "SameSite"));
        Assert.Equal("false", await response.Content.ReadAsStringAsync());
    }

    // express-session #76
    [Fact]
    public async Task Same_site_auto_with_secure_always_gives_secure_and_none_for_a_secure_request()
    {
        await using var app = await StartReportingSecureAsync(new SessionCookieOptions { Secure = CookieSecurePolicy.Always, SameSiteAuto = true });

        var response = await ProxyOptionTests.GetAsync(app, secure: true);

        var cookie = SetCookie.Require(response);
        Assert.NotNull(SetCookie.Attribute(cookie, "Secure"));
        Assert.Equal("None", SetCookie.Attribute(cookie, "SameSite"));
        Assert.Equal("true", await response.Content.ReadAsStringAsync());
    }

    // express-session #77
    [Fact]
    public async Task Same_site_auto_with_secure_always_sends_no_cookie_for_an_insecure_request()
    {
        await using var app = await StartReportingSecureAsync(new SessionCookieOptions { Secure = CookieSecurePolicy.Always, SameSiteAuto = true });

        var response = await ProxyOptionTests.GetAsync(app, secure: false);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Null(SetCookie.First(response));
        Assert.Equal("false", await response.Content.ReadAsStringAsync());
    }

    // express-session spec §4.5: cookie.domain
    [Fact]
    public async Task The_cookie_domain_is_sent_as_the_domain_attribute()
    {
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(o => o.Cookie.Domain = "example.com"));

        var response = await app.GetAsync("/");

        Assert.Equal("example.com", SetCookie.Attribute(SetCookie.Require(response), "Domain"));
    }

    // express-session spec §4.5: cookie.sameSite
    [Fact]
    public async Task Same_site_strict_is_sent_as_strict()
    {
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(o => o.Cookie.SameSite = SameSiteMode.Strict));

        var response = await app.GetAsync("/");

        Assert.Equal("Strict", SetCookie.Attribute(SetCookie.Require(response), "SameSite"));
    }

    // express-session spec §4.5: cookie.sameSite 'none' (browsers want it Secure)
    [Fact]
    public async Task A_static_same_site_none_is_sent_as_none_with_secure()
    {
        await using var app = await TestApp.StartAsync(
            ExpressHarness.Defaults(o =>
            {
                o.Cookie.SameSite = SameSiteMode.None;
                o.Cookie.Secure = CookieSecurePolicy.Always;
            }),
            before: ExpressHarness.SecureFromHeader);

        var response = await ProxyOptionTests.GetAsync(app, secure: true);

        var line = SetCookie.Require(response);
        Assert.Equal("None", SetCookie.Attribute(line, "SameSite"));
        Assert.Equal(string.Empty, SetCookie.Attribute(line, "Secure"));
    }

    // express-session spec §4.5: cookie.priority
    [Theory]
    [InlineData(CookiePriority.Low, "Low")]
    [InlineData(CookiePriority.Medium, "Medium")]
    public async Task The_cookie_priority_is_sent_as_the_priority_attribute(CookiePriority priority, string expected)
    {
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(o => o.Cookie.Priority = priority));

        var response = await app.GetAsync("/");

        Assert.Equal(expected, SetCookie.Attribute(SetCookie.Require(response), "Priority"));
    }

    // express-session spec §4.5: the order cookie.serialize writes the attributes in
    [Fact]
    public async Task A_cookie_with_every_attribute_lists_them_in_express_sessions_order()
    {
        await using var app = await TestApp.StartAsync(
            ExpressHarness.Defaults(o => o.Cookie = new SessionCookieOptions
            {
                Domain = "example.com",
                Path = "/",
                MaxAge = TimeSpan.FromMinutes(1),
                HttpOnly = true,
                Secure = CookieSecurePolicy.Always,
                Partitioned = true,
                Priority = CookiePriority.Low,
                SameSite = SameSiteMode.Strict,
            }),
            before: ExpressHarness.SecureFromHeader);

        var response = await ProxyOptionTests.GetAsync(app, secure: true);

        var line = SetCookie.Require(response);
        Assert.Equal(
            $"connect.sid={SetCookie.Value(line)}; Domain=example.com; Path=/; Expires=Sun, 29 Nov 2026 12:01:00 GMT; HttpOnly; Secure; Partitioned; Priority=Low; SameSite=Strict",
            line);
    }

    /// <summary>express-session's <c>{cookie: {path: '/foo/bar'}}</c>; the body is PathBase|Path.</summary>
    private static Task<TestApp> StartWithPathAsync(Action<IApplicationBuilder>? before = null) =>
        TestApp.StartAsync(
            ExpressHarness.Defaults(o => o.Cookie = new SessionCookieOptions { Path = "/foo/bar" }),
            context => context.Response.WriteAsync(context.Request.PathBase + "|" + context.Request.Path),
            before);

    /// <summary>These cookie options behind a hook that sets <c>req.secure</c>; the body is <c>String(req.secure)</c>.</summary>
    private static Task<TestApp> StartReportingSecureAsync(SessionCookieOptions cookie) =>
        TestApp.StartAsync(
            ExpressHarness.Defaults(o => o.Cookie = cookie),
            context => context.Response.WriteAsync(ExpressHarness.SecureText(context)),
            ExpressHarness.SecureFromHeader);

    private static Task<TestApp> StartSameSiteAutoWithProxyAsync(bool proxy) =>
        TestApp.StartAsync(ExpressHarness.Defaults(o =>
        {
            o.Proxy = proxy;
            o.Cookie = new SessionCookieOptions { SameSiteAuto = true };
        }));
}
