using Microsoft.AspNetCore.Http;
using Tessera.Tests.Infrastructure;

namespace Tessera.Tests.Conformance;

/// <summary>express-session's <c>saveUninitialized option</c>: <see cref="TesseraOptions.SaveUninitialized"/>.</summary>
public sealed class SaveUninitializedOptionTests
{
    // express-session #98 (express defaults saveUninitialized to true; Tessera deliberately defaults it to false)
    [Fact]
    public async Task Save_uninitialized_defaults_to_false_so_an_unmodified_new_session_is_dropped()
    {
        var store = new CountingStore(ExpressHarness.NewClock());
        await using var app = await TestApp.StartAsync(o => o.Resave = true, store: store);

        var response = await app.GetAsync();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Null(SetCookie.First(response));
        Assert.Equal(0, store.Sets);
        Assert.False(new TesseraOptions().SaveUninitialized);
    }

    // express-session #99
    [Fact]
    public async Task Save_uninitialized_on_saves_an_unmodified_new_session()
    {
        var store = new CountingStore(ExpressHarness.NewClock());
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(o => o.SaveUninitialized = true), store: store);

        var response = await app.GetAsync();

        Assert.Equal("connect.sid", SetCookie.Name(SetCookie.Require(response)));
        Assert.Equal(1, store.Sets);
    }

    // express-session #100
    [Fact]
    public async Task Save_uninitialized_off_does_not_save_an_unmodified_new_session()
    {
        var store = new CountingStore(ExpressHarness.NewClock());
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(o => o.SaveUninitialized = false), store: store);

        var response = await app.GetAsync();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Null(SetCookie.First(response));
        Assert.Equal(0, store.Sets);
    }

    // express-session #101
    [Fact]
    public async Task Save_uninitialized_off_still_saves_a_modified_new_session()
    {
        var store = new CountingStore(ExpressHarness.NewClock());
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(o => o.SaveUninitialized = false), context =>
        {
            var session = context.GetSession();
            session.Set("count", session.Get<int>("count") + 1);
            return Task.CompletedTask;
        }, store: store);

        var response = await app.GetAsync();

        Assert.Equal("connect.sid", SetCookie.Name(SetCookie.Require(response)));
        Assert.Equal(1, store.Sets);
    }

    // express-session #102 (Tessera: the store error goes to the error pipeline; a started response is aborted)
    [Fact]
    public async Task A_save_error_reaches_the_error_pipeline_and_aborts_a_started_response()
    {
        var store = new CountingStore(ExpressHarness.NewClock()) { FailSet = new InvalidOperationException("boom!") };
        var errors = new ErrorSink();
        await using var app = await TestApp.StartAsync(
            ExpressHarness.Defaults(o => o.SaveUninitialized = true),
            context => context.Response.WriteAsync("session saved"),
            errors.Install,
            store);
        var logs = LogSink.Attach(app);

        await Assert.ThrowsAsync<HttpRequestException>(() => app.GetAsync());

        Assert.Equal(1, store.Sets);
        Assert.Equal("boom!", Assert.IsType<SessionStoreException>(Assert.Single(errors.Errors)).InnerException?.Message);
        Assert.Equal("boom!", Assert.Single(logs.Named("StoreFailed")).Exception?.Message);
    }

    // express-session #102 (Tessera: before the response has started, a save error is a 500 without the cookie)
    [Fact]
    public async Task A_save_error_before_the_response_started_is_a_500_without_a_cookie()
    {
        var store = new CountingStore(ExpressHarness.NewClock()) { FailSet = new InvalidOperationException("boom!") };
        var errors = new ErrorSink();
        await using var app = await TestApp.StartAsync(
            ExpressHarness.Defaults(o => o.SaveUninitialized = true),
            context =>
            {
                context.GetSession().Set("hit", true);
                return Task.CompletedTask;
            },
            errors.Install,
            store);

        var response = await app.GetAsync();

        Assert.Equal(500, (int)response.StatusCode);
        Assert.Equal("boom!", await response.Content.ReadAsStringAsync());
        Assert.Null(SetCookie.First(response));
        Assert.Equal("boom!", Assert.IsType<SessionStoreException>(Assert.Single(errors.Errors)).InnerException?.Message);
    }

    // express-session #103
    [Fact]
    public async Task An_uninitialized_session_is_never_touched()
    {
        var store = new CountingStore(ExpressHarness.NewClock()) { FailTouch = new InvalidOperationException("touch must not be called") };
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(o =>
        {
            o.SaveUninitialized = false;
            o.Cookie.MaxAge = TimeSpan.FromMilliseconds(60000);
        }), store: store);

        var response = await app.GetAsync();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(0, store.Touches);
    }
}
