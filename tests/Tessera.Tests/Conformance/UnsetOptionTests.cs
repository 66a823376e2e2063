using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Tessera.Tests.Infrastructure;

namespace Tessera.Tests.Conformance;

/// <summary>
/// express-session's <c>unset option</c>: <see cref="TesseraOptions.Unset"/>, applied when the
/// application detaches the session (express's <c>req.session = null</c>).
/// </summary>
public sealed class UnsetOptionTests
{
    // express-session #110
    [Fact]
    public async Task Refuses_to_start_with_an_unknown_value()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => TestApp.StartAsync(o => o.Unset = (UnsetBehavior)42));

        Assert.Contains("Unset", error.Message, StringComparison.Ordinal);
    }

    // express-session #111
    [Fact]
    public async Task Unset_defaults_to_keep()
    {
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(), DetachOnSecondHit);
        var store = (IEnumerableSessionStore)app.Store;

        var first = await app.GetAsync();
        var cookie = SetCookie.Require(first);
        Assert.Equal(1, await store.CountAsync());

        var second = await app.GetAsync("/", cookie);
        Assert.Equal(200, (int)second.StatusCode);
        Assert.Equal(1, await store.CountAsync());
        Assert.Equal(UnsetBehavior.Keep, new TesseraOptions().Unset);
    }

    // express-session #112
    [Fact]
    public async Task Destroy_removes_a_detached_session_from_the_store()
    {
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(o => o.Unset = UnsetBehavior.Destroy), DetachOnSecondHit);
        var store = (IEnumerableSessionStore)app.Store;

        var first = await app.GetAsync();
        var cookie = SetCookie.Require(first);
        Assert.Equal(1, await store.CountAsync());

        var second = await app.GetAsync("/", cookie);
        Assert.Equal(200, (int)second.StatusCode);
        Assert.Equal(0, await store.CountAsync());
    }

    // express-session #113
    [Fact]
    public async Task Destroy_sends_no_cookie_when_the_new_session_is_detached()
    {
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(o => o.Unset = UnsetBehavior.Destroy), context =>
        {
            context.DetachSession();
            return Task.CompletedTask;
        });

        var response = await app.GetAsync();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Null(SetCookie.First(response));
        Assert.Equal(0, await ((IEnumerableSessionStore)app.Store).CountAsync());
    }

    // express-session #114 (Tessera: the store error goes to the error pipeline; a started response is aborted)
    [Fact]
    public async Task A_destroy_error_reaches_the_error_pipeline()
    {
        var store = new CountingStore(ExpressHarness.NewClock()) { FailDestroy = new InvalidOperationException("boom!") };
        var errors = new ErrorSink();
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(o => o.Unset = UnsetBehavior.Destroy), context =>
        {
            context.DetachSession();
            return context.Response.WriteAsync("session destroyed");
        }, errors.Install, store);
        var logs = LogSink.Attach(app);

        await Assert.ThrowsAsync<HttpRequestException>(() => app.GetAsync());

        Assert.Equal(1, store.Destroys);
        Assert.Equal("boom!", Assert.IsType<SessionStoreException>(Assert.Single(errors.Errors)).InnerException?.Message);
        Assert.Equal("boom!", Assert.Single(logs.Named("StoreFailed")).Exception?.Message);
    }

    private static Task DetachOnSecondHit(HttpContext context)
    {
        var session = context.GetSession();
        var count = session.Get<int>("count") + 1;
        session.Set("count", count);
        if (count == 2)
        {
            context.DetachSession();
        }

        return Task.CompletedTask;
    }
}
