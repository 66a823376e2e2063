using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Tessera.Middleware;
using Tessera.Tests.Infrastructure;

namespace Tessera.Tests.Conformance;

/// <summary>
/// express-session's <c>test/cookie.js</c> (<c>new Cookie()</c>): a <see cref="SessionCookie"/>
/// on its own, and the cookie a new session gets from <see cref="SessionCookieOptions"/>.
/// </summary>
public sealed class CookieTests
{
    private readonly FakeTimeProvider _time = ExpressHarness.NewClock();

    // express-session #1
    [Fact]
    public void A_cookie_created_without_a_clock_uses_the_system_clock()
    {
        var cookie = new SessionCookie();

        Assert.Same(TimeProvider.System, cookie.Time);
    }

    // express-session #2
    [Fact]
    public void Expires_defaults_to_null()
    {
        Assert.Null(new SessionCookie(_time).Expires);
    }

    // express-session #3
    [Fact]
    public void HttpOnly_defaults_to_true()
    {
        Assert.True(new SessionCookie(_time).HttpOnly);
    }

    // express-session #4
    [Fact]
    public void Path_defaults_to_slash()
    {
        Assert.Equal("/", new SessionCookie(_time).Path);
    }

    // express-session #5
    [Fact]
    public void MaxAge_defaults_to_null()
    {
        var cookie = new SessionCookie(_time);

        Assert.Null(cookie.MaxAge);
        Assert.Null(cookie.OriginalMaxAge);
    }

    // express-session #6
    [Fact]
    public void A_cookie_from_default_options_has_the_defaults()
    {
        var cookie = CreateCookie(new SessionCookieOptions());

        Assert.Null(cookie.Expires);
        Assert.Null(cookie.MaxAge);
        Assert.True(cookie.HttpOnly);
        Assert.Equal("/", cookie.Path);
        Assert.False(cookie.Secure);
    }

    // express-session #9
    [Fact]
    public void Setting_expires_keeps_that_instant()
    {
        var expires = _time.GetUtcNow().AddMilliseconds(60000);

        var cookie = new SessionCookie(_time) { Expires = expires };

        Assert.Equal(expires, cookie.Expires);
    }

    // express-session #10
    [Fact]
    public void Setting_expires_sets_max_age_to_the_time_left()
    {
        var expires = _time.GetUtcNow().AddMilliseconds(60000);

        var cookie = new SessionCookie(_time) { Expires = expires };

        Assert.Equal(TimeSpan.FromMilliseconds(60000), cookie.MaxAge);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.FromMilliseconds(59000), cookie.MaxAge);
    }

    // express-session #11
    [Fact]
    public void The_http_only_option_is_applied()
    {
        var cookie = CreateCookie(new SessionCookieOptions { HttpOnly = false });

        Assert.False(cookie.HttpOnly);
    }

    // express-session #12
    [Fact]
    public void The_max_age_option_sets_expires()
    {
        var cookie = CreateCookie(new SessionCookieOptions { MaxAge = TimeSpan.FromMilliseconds(60000) });

        Assert.Equal(_time.GetUtcNow().AddMilliseconds(60000), cookie.Expires);
    }

    // express-session #13
    [Fact]
    public void The_max_age_option_sets_max_age()
    {
        var cookie = CreateCookie(new SessionCookieOptions { MaxAge = TimeSpan.FromMilliseconds(60000) });

        Assert.Equal(TimeSpan.FromMilliseconds(60000), cookie.MaxAge);
        Assert.Equal(TimeSpan.FromMilliseconds(60000), cookie.OriginalMaxAge);
    }

    // express-session #16
    [Fact]
    public void The_partitioned_option_is_applied()
    {
        var cookie = CreateCookie(new SessionCookieOptions { Partitioned = true, Secure = CookieSecurePolicy.Always });

        Assert.True(cookie.Partitioned);
    }

    // express-session #17
    [Fact]
    public void The_path_option_is_applied()
    {
        var cookie = CreateCookie(new SessionCookieOptions { Path = "/foo" });

        Assert.Equal("/foo", cookie.Path);
    }

    // express-session #18
    [Fact]
    public void The_priority_option_is_applied()
    {
        var cookie = CreateCookie(new SessionCookieOptions { Priority = CookiePriority.High });

        Assert.Equal(CookiePriority.High, cookie.Priority);
    }

    /// <summary>The cookie a new session gets from these options (express's <c>new Cookie(options)</c>).</summary>
    private SessionCookie CreateCookie(SessionCookieOptions options)
    {
        var factory = new SessionFactory(new TesseraOptions { Secrets = ["keyboard cat"] }, _time);
        return factory.NewData(new DefaultHttpContext(), options).Cookie;
    }
}
