using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Tessera.Tests.Infrastructure;

namespace Tessera.Tests.Middleware;

/// <summary>
/// <c>UseCookiePolicy()</c> applies to the session cookie: its minimum SameSite, its Secure policy
/// and tracking consent (<see cref="SessionCookieOptions.IsEssential"/>). Without a cookie policy
/// the cookie stays express-session's, byte for byte.
/// </summary>
public sealed class CookiePolicyTests
{
    private const string ConsentCookie = ".AspNet.Consent=yes";

    private static readonly RequestDelegate Count = async context =>
    {
        var session = context.GetSession();
        session.Set("n", session.Get<int>("n") + 1);
        await context.Response.WriteAsync($"n = {session.Get<int>("n")}");
    };

    private static Task<TestApp> StartAsync(Action<CookiePolicyOptions>? policy, Action<TesseraOptions>? configure = null, RequestDelegate? handler = null)
    {
        var time = ExpressHarness.NewClock();
        return TestApp.StartAsync(
            configure,
            handler ?? Count,
            before: policy is null ? null : app => app.UseCookiePolicy(),
            store: new CountingStore(time),
            time: time,
            services: policy is null ? null : services => services.Configure(policy));
    }

    [Fact]
    public async Task Without_a_cookie_policy_the_cookie_is_written_as_express_session_writes_it()
    {
        await using var app = await StartAsync(policy: null, o => o.Cookie.SameSite = SameSiteMode.Lax);

        var line = SetCookie.Require(await app.GetAsync());

        Assert.Matches(@"^connect\.sid=s%3A[A-Za-z0-9_-]{32}\.[A-Za-z0-9%]+; Path=/; Expires=[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT; HttpOnly; SameSite=Lax$", line);
    }

    [Fact]
    public async Task The_policys_minimum_SameSite_raises_the_session_cookies()
    {
        await using var app = await StartAsync(p => p.MinimumSameSitePolicy = SameSiteMode.Strict, o => o.Cookie.SameSite = SameSiteMode.Lax);

        var line = SetCookie.Require(await app.GetAsync());

        Assert.Equal("strict", SetCookie.Attribute(line, "SameSite"), ignoreCase: true);
    }

    [Fact]
    public async Task The_policys_Secure_Always_makes_the_session_cookie_secure()
    {
        await using var app = await StartAsync(p => p.Secure = CookieSecurePolicy.Always);

        var line = SetCookie.Require(await app.GetAsync());

        Assert.Equal(string.Empty, SetCookie.Attribute(line, "Secure"));
        Assert.Equal(string.Empty, SetCookie.Attribute(line, "HttpOnly"));
        Assert.NotNull(SetCookie.Attribute(line, "Expires"));
    }

    [Fact]
    public async Task A_cookie_written_through_the_policy_carries_the_same_signed_value_and_loads_the_session_next_time()
    {
        await using var app = await StartAsync(p => p.MinimumSameSitePolicy = SameSiteMode.Lax);

        var line = SetCookie.Require(await app.GetAsync());
        Assert.Matches(@"^connect\.sid=s%3A[A-Za-z0-9_-]{32}\.[A-Za-z0-9%]{43,}$", line.Split(';')[0]);
        var second = await app.GetAsync(cookie: line.Split(';')[0]);

        Assert.Equal("n = 2", await second.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Without_consent_a_cookie_that_is_not_essential_is_not_set_and_the_session_is_not_saved()
    {
        await using var app = await StartAsync(p => p.CheckConsentNeeded = _ => true, o =>
        {
            o.Cookie.IsEssential = false;
            o.SaveUninitialized = true;
        });
        var store = (CountingStore)app.Store;

        var response = await app.GetAsync();

        Assert.Equal("n = 1", await response.Content.ReadAsStringAsync());
        Assert.Empty(SetCookie.Lines(response));
        Assert.Equal((0, 0), (store.Sets, store.Touches));
    }

    [Fact]
    public async Task Without_consent_SaveAsync_on_a_session_whose_cookie_is_not_essential_throws_a_clear_error()
    {
        await using var app = await StartAsync(
            p => p.CheckConsentNeeded = _ => true,
            o => o.Cookie.IsEssential = false,
            async context =>
            {
                var error = await Assert.ThrowsAsync<InvalidOperationException>(() => context.GetSession().SaveAsync());
                await context.Response.WriteAsync(error.Message);
            });

        var response = await app.GetAsync();

        Assert.Contains("has not consented to non-essential cookies", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, ((CountingStore)app.Store).Sets);
    }

    [Fact]
    public async Task With_consent_given_a_cookie_that_is_not_essential_is_set_and_the_session_saved()
    {
        await using var app = await StartAsync(p => p.CheckConsentNeeded = _ => true, o => o.Cookie.IsEssential = false);

        var response = await app.GetAsync(cookie: ConsentCookie);

        Assert.NotNull(SetCookie.First(response));
        Assert.Equal(1, ((CountingStore)app.Store).Sets);
    }

    [Fact]
    public async Task Consent_granted_during_the_request_lets_its_end_set_the_cookie_and_save()
    {
        await using var app = await StartAsync(
            p => p.CheckConsentNeeded = _ => true,
            o => o.Cookie.IsEssential = false,
            async context =>
            {
                context.Features.Get<Microsoft.AspNetCore.Http.Features.ITrackingConsentFeature>()!.GrantConsent();
                await Count(context);
            });

        var response = await app.GetAsync();

        Assert.Contains(SetCookie.Lines(response), line => line.StartsWith("connect.sid=", StringComparison.Ordinal));
        Assert.Equal(1, ((CountingStore)app.Store).Sets);
    }

    [Fact]
    public async Task The_session_cookie_is_essential_by_default_so_it_is_set_and_saved_without_consent()
    {
        await using var app = await StartAsync(p => p.CheckConsentNeeded = _ => true);

        var response = await app.GetAsync();

        Assert.NotNull(SetCookie.First(response));
        Assert.Equal(1, ((CountingStore)app.Store).Sets);
    }
}
