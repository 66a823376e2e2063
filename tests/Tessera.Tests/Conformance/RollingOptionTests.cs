using Tessera.Tests.Infrastructure;

namespace Tessera.Tests.Conformance;

/// <summary>express-session's <c>rolling option</c>: <see cref="TesseraOptions.Rolling"/>.</summary>
public sealed class RollingOptionTests
{
    // express-session #87
    [Fact]
    public async Task Rolling_defaults_to_false()
    {
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(), SetUserBob);

        var first = await app.GetAsync();
        var cookie = SetCookie.Require(first);
        Assert.Equal("connect.sid", SetCookie.Name(cookie));

        var second = await app.GetAsync("/", cookie);
        Assert.Equal(200, (int)second.StatusCode);
        Assert.Null(SetCookie.First(second));
        Assert.False(new TesseraOptions().Rolling);
    }

    // express-session #88
    [Fact]
    public async Task Rolling_sends_the_cookie_for_an_unmodified_session()
    {
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(o => o.Rolling = true), SetUserBob);

        var first = await app.GetAsync();
        var cookie = SetCookie.Require(first);

        var second = await app.GetAsync("/", cookie);
        Assert.Equal(200, (int)second.StatusCode);
        Assert.Equal("connect.sid", SetCookie.Name(SetCookie.Require(second)));
    }

    // express-session #89
    [Fact]
    public async Task Rolling_does_not_send_a_cookie_for_an_uninitialized_session_when_save_uninitialized_is_off()
    {
        var store = new CountingStore(ExpressHarness.NewClock());
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(o =>
        {
            o.Rolling = true;
            o.SaveUninitialized = false;
        }), store: store);

        var response = await app.GetAsync();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Null(SetCookie.First(response));
        Assert.Equal(0, store.Sets);
    }

    // express-session #90
    [Fact]
    public async Task Rolling_sends_the_cookie_and_saves_an_uninitialized_session_when_save_uninitialized_is_on()
    {
        var store = new CountingStore(ExpressHarness.NewClock());
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(o =>
        {
            o.Rolling = true;
            o.SaveUninitialized = true;
        }), store: store);

        var response = await app.GetAsync();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("connect.sid", SetCookie.Name(SetCookie.Require(response)));
        Assert.Equal(1, store.Sets);
    }

    // express-session #91
    [Fact]
    public async Task Rolling_sends_the_cookie_and_saves_a_modified_session_when_save_uninitialized_is_off()
    {
        var store = new CountingStore(ExpressHarness.NewClock());
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(o =>
        {
            o.Rolling = true;
            o.SaveUninitialized = false;
        }), SetUserBob, store: store);

        var response = await app.GetAsync();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("connect.sid", SetCookie.Name(SetCookie.Require(response)));
        Assert.Equal(1, store.Sets);
    }

    internal static Task SetUserBob(Microsoft.AspNetCore.Http.HttpContext context)
    {
        context.GetSession().Set("user", "bob");
        return Task.CompletedTask;
    }
}
