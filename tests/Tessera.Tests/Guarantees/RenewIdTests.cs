using Microsoft.AspNetCore.Http;
using Tessera.Tests.Infrastructure;

namespace Tessera.Tests.Guarantees;

public sealed class RenewIdTests
{
    private static Task<TestApp> StartAsync(Action<TesseraOptions>? configure = null) =>
        TestApp.StartAsync(configure, async context =>
        {
            var session = context.GetSession();
            switch (context.Request.Path.Value)
            {
                case "/login":
                    await session.RenewIdAsync();
                    session.Set("user", "alice");
                    break;
                case "/cart":
                    session.Set("cart", session.Get<int>("cart") + 1);
                    break;
            }

            await context.Response.WriteAsync($"{session.Get<string>("user")}|{session.Get<int>("cart")}");
        });

    private static async Task<string> BodyAsync(HttpResponseMessage response) => await response.Content.ReadAsStringAsync();

    [Fact]
    public async Task The_old_cookie_leads_to_the_renewed_session_during_the_grace_period_and_is_rejected_afterwards()
    {
        await using var app = await StartAsync(o => o.RenewGracePeriod = TimeSpan.FromSeconds(10));
        var old = SetCookie.Require(await app.GetAsync("/cart"));
        var login = await app.GetAsync("/login", old);
        var renewed = SetCookie.Require(login);
        Assert.NotEqual(SetCookie.SessionId(old), SetCookie.SessionId(renewed));

        app.Time.Advance(TimeSpan.FromSeconds(9));
        var parallelTab = await app.GetAsync("/cart", old);

        Assert.Equal("alice|2", await BodyAsync(parallelTab));
        Assert.Equal(SetCookie.SessionId(renewed), SetCookie.SessionId(SetCookie.Require(parallelTab))); // the tab gets the new cookie
        Assert.Equal("alice|2", await BodyAsync(await app.GetAsync("/", renewed)));

        app.Time.Advance(TimeSpan.FromSeconds(2));
        var afterGrace = await app.GetAsync("/", old);

        Assert.Equal("|0", await BodyAsync(afterGrace));
        Assert.NotEqual(SetCookie.SessionId(renewed), SetCookie.SessionId(SetCookie.Require(await app.GetAsync("/cart", old))));
    }

    [Fact]
    public async Task Without_a_grace_period_the_old_cookie_is_rejected_at_once()
    {
        await using var app = await StartAsync();
        var old = SetCookie.Require(await app.GetAsync("/cart"));
        var renewed = SetCookie.Require(await app.GetAsync("/login", old));

        Assert.Equal("|0", await BodyAsync(await app.GetAsync("/", old)));
        Assert.Equal("alice|1", await BodyAsync(await app.GetAsync("/", renewed)));
        Assert.Null(await app.Store.GetAsync(SetCookie.SessionId(old)));
    }

    [Fact]
    public async Task The_old_id_is_never_written_to_or_renewed_again()
    {
        await using var app = await StartAsync(o => o.RenewGracePeriod = TimeSpan.FromSeconds(10));
        var old = SetCookie.Require(await app.GetAsync("/cart"));
        var renewed = SetCookie.Require(await app.GetAsync("/login", old));

        // A second sign-in through the old cookie joins the first renewal instead of forking the session.
        var again = await app.GetAsync("/login", old);

        var oldDocument = await app.Store.GetAsync(SetCookie.SessionId(old));
        Assert.False(oldDocument!.TryGetRawValue("cart", out _)); // the old ID holds only the marker
        Assert.Equal("alice|1", await BodyAsync(again));
        var final = SetCookie.Require(again);
        Assert.Equal("alice|1", await BodyAsync(await app.GetAsync("/", final)));
        Assert.Equal("alice|1", await BodyAsync(await app.GetAsync("/", renewed)));
    }

    [Fact]
    public async Task Renewal_keeps_the_absolute_deadline()
    {
        await using var app = await StartAsync(o =>
        {
            o.Cookie.MaxAge = null;
            o.IdleTimeout = TimeSpan.FromMinutes(30);
            o.AbsoluteTimeout = TimeSpan.FromHours(1);
        });
        var created = app.Time.GetUtcNow();
        var old = SetCookie.Require(await app.GetAsync("/cart"));

        app.Time.Advance(TimeSpan.FromMinutes(25));
        Assert.Equal("|2", await BodyAsync(await app.GetAsync("/cart", old))); // active: re-armed for 30 minutes
        app.Time.Advance(TimeSpan.FromMinutes(25));
        var renewed = SetCookie.Require(await app.GetAsync("/login", old));

        Assert.Equal(created.AddHours(1).UtcDateTime.ToString("R"), SetCookie.Attribute(renewed, "Expires"));
        app.Time.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal("alice|3", await BodyAsync(await app.GetAsync("/cart", renewed)));

        app.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal("|0", await BodyAsync(await app.GetAsync("/", renewed)));
    }
}
