using Microsoft.AspNetCore.Http;
using Tessera.Tests.Infrastructure;

namespace Tessera.Tests.Conformance;

/// <summary>
/// express-session's <c>proxy option</c>, with a secure cookie: the cookie is sent only when the
/// request counts as secure. <see cref="TesseraOptions.Proxy"/> decides what counts.
/// </summary>
public sealed class ProxyOptionTests
{
    // express-session #48
    [Fact]
    public async Task When_enabled_trusts_x_forwarded_proto()
    {
        await using var app = await StartTrustingProxyAsync();

        var response = await GetAsync(app, forwardedProto: "https");

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("connect.sid", SetCookie.Name(SetCookie.Require(response)));
    }

    // express-session #49
    [Fact]
    public async Task When_enabled_trusts_the_first_value_of_a_comma_separated_x_forwarded_proto()
    {
        await using var app = await StartTrustingProxyAsync();

        var response = await GetAsync(app, forwardedProto: "https,http");

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("connect.sid", SetCookie.Name(SetCookie.Require(response)));
    }

    // express-session #50
    [Fact]
    public async Task When_enabled_and_there_is_no_header_the_request_is_not_secure()
    {
        await using var app = await StartTrustingProxyAsync();

        var response = await GetAsync(app);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Null(SetCookie.First(response));
    }

    // express-session #51
    [Fact]
    public async Task When_disabled_does_not_trust_x_forwarded_proto()
    {
        await using var app = await StartWithProxyAsync(false);

        var response = await GetAsync(app, forwardedProto: "https");

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Null(SetCookie.First(response));
    }

    // express-session #52
    [Fact]
    public async Task When_disabled_ignores_what_asp_net_core_says_about_the_request()
    {
        await using var app = await StartWithProxyAsync(false);

        var response = await GetAsync(app, forwardedProto: "https", secure: true);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Null(SetCookie.First(response));
        Assert.Equal("true", await response.Content.ReadAsStringAsync());
    }

    // express-session #53
    [Fact]
    public async Task When_unspecified_does_not_trust_x_forwarded_proto()
    {
        await using var app = await StartWithProxyAsync(null);

        var response = await GetAsync(app, forwardedProto: "https");

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Null(SetCookie.First(response));
    }

    // express-session #54
    [Fact]
    public async Task When_unspecified_uses_request_is_https()
    {
        await using var app = await StartWithProxyAsync(null);

        var response = await GetAsync(app, forwardedProto: "https", secure: true);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("connect.sid", SetCookie.Name(SetCookie.Require(response)));
        Assert.Equal("true", await response.Content.ReadAsStringAsync());
    }

    /// <summary>express-session's <c>{proxy: true, cookie: {secure: true, maxAge: 5}}</c>.</summary>
    private static Task<TestApp> StartTrustingProxyAsync() =>
        TestApp.StartAsync(ExpressHarness.Defaults(o =>
        {
            o.Proxy = true;
            o.Cookie = new SessionCookieOptions { Secure = CookieSecurePolicy.Always, MaxAge = TimeSpan.FromMilliseconds(5) };
        }));

    /// <summary>express-session's <c>{proxy, cookie: {secure: true}}</c> behind a hook that sets <c>req.secure</c>.</summary>
    private static Task<TestApp> StartWithProxyAsync(bool? proxy) =>
        TestApp.StartAsync(
            ExpressHarness.Defaults(o =>
            {
                o.Proxy = proxy;
                o.Cookie = new SessionCookieOptions { Secure = CookieSecurePolicy.Always };
            }),
            context => context.Response.WriteAsync(ExpressHarness.SecureText(context)),
            ExpressHarness.SecureFromHeader);

    internal static Task<HttpResponseMessage> GetAsync(TestApp app, string? forwardedProto = null, bool? secure = null, string path = "/") =>
        app.SendAsync(HttpMethod.Get, path, configure: request =>
        {
            if (forwardedProto is not null)
            {
                request.Headers.Add("X-Forwarded-Proto", forwardedProto);
            }

            if (secure is { } value)
            {
                request.Headers.Add("X-Secure", value ? "true" : "false");
            }
        });
}
