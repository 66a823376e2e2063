using Microsoft.AspNetCore.Http;
using Tessera.Tests.Infrastructure;

namespace Tessera.Tests.Conformance;

/// <summary>express-session's <c>resave option</c>: <see cref="TesseraOptions.Resave"/>.</summary>
public sealed class ResaveOptionTests
{
    // express-session #92 (express defaults resave to true; Tessera deliberately defaults it to false)
    [Fact]
    public async Task Resave_defaults_to_false_so_an_unmodified_session_is_touched_not_saved()
    {
        var store = new CountingStore(ExpressHarness.NewClock());
        await using var app = await TestApp.StartAsync(o => o.SaveUninitialized = true, RollingOptionTests.SetUserBob, store: store);

        var first = await app.GetAsync();
        var cookie = SetCookie.Require(first);
        Assert.Equal(1, store.Sets);

        store.ResetCounts();
        var second = await app.GetAsync("/", cookie);
        Assert.Equal(200, (int)second.StatusCode);
        Assert.Equal(0, store.Sets);
        Assert.Equal(1, store.Touches);
        Assert.False(new TesseraOptions().Resave);
    }

    // express-session #93
    [Fact]
    public async Task Resave_on_saves_an_unmodified_session()
    {
        var store = new CountingStore(ExpressHarness.NewClock());
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(o => o.Resave = true), RollingOptionTests.SetUserBob, store: store);

        var first = await app.GetAsync();
        var cookie = SetCookie.Require(first);
        Assert.Equal(1, store.Sets);

        store.ResetCounts();
        var second = await app.GetAsync("/", cookie);
        Assert.Equal(200, (int)second.StatusCode);
        Assert.Equal(1, store.Sets);
    }

    // express-session #94
    [Fact]
    public async Task Resave_off_does_not_save_an_unmodified_session()
    {
        var store = new CountingStore(ExpressHarness.NewClock());
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(o => o.Resave = false), RollingOptionTests.SetUserBob, store: store);

        var first = await app.GetAsync();
        var cookie = SetCookie.Require(first);
        Assert.Equal(1, store.Sets);

        store.ResetCounts();
        var second = await app.GetAsync("/", cookie);
        Assert.Equal(200, (int)second.StatusCode);
        Assert.Equal(0, store.Sets);
    }

    // express-session #95
    [Fact]
    public async Task Resave_off_still_saves_a_modified_session()
    {
        var store = new CountingStore(ExpressHarness.NewClock());
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(o => o.Resave = false), context =>
        {
            var session = context.GetSession();
            if (HttpMethods.IsPut(context.Request.Method))
            {
                session.Set("token", context.Request.Path.Value![1..]);
            }

            return context.Response.WriteAsync("token=" + (session.Get<string>("token") ?? string.Empty));
        }, store: store);

        var first = await app.SendAsync(HttpMethod.Put, "/w6RHhwaA");
        Assert.Equal(200, (int)first.StatusCode);
        Assert.Equal(1, store.Sets);
        Assert.Equal("token=w6RHhwaA", await first.Content.ReadAsStringAsync());
        var cookie = SetCookie.Require(first);

        store.ResetCounts();
        var second = await app.GetAsync("/", cookie);
        Assert.Equal(200, (int)second.StatusCode);
        Assert.Equal(0, store.Sets);
        Assert.Equal("token=w6RHhwaA", await second.Content.ReadAsStringAsync());

        store.ResetCounts();
        var third = await app.SendAsync(HttpMethod.Put, "/zfQ3rzM3", cookie);
        Assert.Equal(200, (int)third.StatusCode);
        Assert.Equal(1, store.Sets);
        Assert.Equal("token=zfQ3rzM3", await third.Content.ReadAsStringAsync());
    }

    // express-session #96
    [Fact]
    public async Task Resave_off_sees_a_nested_value_named_cookie_as_a_change()
    {
        var store = new CountingStore(ExpressHarness.NewClock());
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(o => o.Resave = false), context =>
        {
            var session = context.GetSession();
            var user = session.Get<User>("user") ?? new User(null, 0);
            session.Set("user", user with { Name = "bob", Cookie = user.Cookie + 1 });
            return Task.CompletedTask;
        }, store: store);

        var first = await app.GetAsync();
        var cookie = SetCookie.Require(first);
        Assert.Equal(1, store.Sets);

        store.ResetCounts();
        var second = await app.GetAsync("/", cookie);
        Assert.Equal(200, (int)second.StatusCode);
        Assert.Equal(1, store.Sets);
    }

    // express-session #97 (Tessera: the store error goes to the error pipeline; a started response is aborted)
    [Fact]
    public async Task Resave_off_reports_a_touch_error()
    {
        var store = new CountingStore(ExpressHarness.NewClock());
        var errors = new ErrorSink();
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(o => o.Resave = false), context =>
        {
            context.GetSession().Set("hit", true);
            return context.Response.WriteAsync("session saved");
        }, errors.Install, store);
        var logs = LogSink.Attach(app);

        var first = await app.GetAsync();
        Assert.Equal(200, (int)first.StatusCode);
        Assert.Equal("session saved", await first.Content.ReadAsStringAsync());
        var cookie = SetCookie.Require(first);

        store.FailTouch = new InvalidOperationException("boom!");
        await Assert.ThrowsAsync<HttpRequestException>(() => app.GetAsync("/", cookie));

        Assert.Equal(1, store.Touches);
        Assert.Equal("boom!", Assert.IsType<SessionStoreException>(Assert.Single(errors.Errors)).InnerException?.Message);
        Assert.Equal("boom!", Assert.Single(logs.Named("StoreFailed")).Exception?.Message);
    }

    private sealed record User(string? Name, int Cookie);
}
