using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Tessera.Tests.Infrastructure;

namespace Tessera.Tests.Conformance;

/// <summary>express-session's <c>req.session</c> tests: the <see cref="Session"/> API.</summary>
public sealed class ReqSessionTests
{
    // express-session #118
    [Fact]
    public async Task The_session_persists()
    {
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(), CountHits);

        var first = await app.GetAsync();
        var cookie = SetCookie.Require(first);
        Assert.Equal("hits: 1", await first.Content.ReadAsStringAsync());
        Assert.NotNull(await app.Store.GetAsync(SetCookie.SessionId(cookie)));

        var second = await app.GetAsync("/", cookie);
        Assert.Equal("hits: 2", await second.Content.ReadAsStringAsync());
    }

    // express-session #119
    [Fact]
    public async Task The_cookie_is_sent_only_when_the_session_is_modified()
    {
        var modify = true;
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(), context =>
        {
            var session = context.GetSession();
            if (modify)
            {
                session.Set("count", session.Get<int>("count") + 1);
            }

            return context.Response.WriteAsync(session.Get<int>("count").ToString(System.Globalization.CultureInfo.InvariantCulture));
        });

        var first = await app.GetAsync();
        Assert.Equal("1", await first.Content.ReadAsStringAsync());

        var second = await app.GetAsync("/", SetCookie.Require(first));
        var cookie = SetCookie.Require(second);
        Assert.Equal("2", await second.Content.ReadAsStringAsync());

        modify = false;
        var third = await app.GetAsync("/", cookie);
        Assert.Null(SetCookie.First(third));
        Assert.Equal("2", await third.Content.ReadAsStringAsync());

        modify = true;
        var fourth = await app.GetAsync("/", cookie);
        Assert.Equal("connect.sid", SetCookie.Name(SetCookie.Require(fourth)));
        Assert.Equal("3", await fourth.Content.ReadAsStringAsync());
    }

    // express-session #120
    [Fact]
    public async Task The_session_keys_are_only_the_values()
    {
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(), context =>
        {
            var session = context.GetSession();
            session.Set("foo", "foo");
            session.Set("bar", "bar");
            return context.Response.WriteAsync(string.Join(",", session.Keys));
        });

        var response = await app.GetAsync();

        Assert.Equal("foo,bar", await response.Content.ReadAsStringAsync());
    }

    // express-session #121
    [Fact]
    public async Task There_is_no_session_while_the_store_is_not_ready()
    {
        var store = new CountingStore(ExpressHarness.NewClock()) { Ready = false };
        await using var app = await TestApp.StartAsync(
            ExpressHarness.Defaults(),
            context => context.Response.WriteAsync(ExpressHarness.SessionTypeText(context)),
            store: store);

        var response = await app.GetAsync();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Null(SetCookie.First(response));
        Assert.Equal("undefined", await response.Content.ReadAsStringAsync());
    }

    // express-session #122
    [Fact]
    public async Task There_is_a_session_again_once_the_store_is_ready()
    {
        var store = new CountingStore(ExpressHarness.NewClock()) { Ready = false };
        await using var app = await TestApp.StartAsync(
            ExpressHarness.Defaults(),
            context => context.Response.WriteAsync(ExpressHarness.SessionTypeText(context)),
            store: store);

        var first = await app.GetAsync();
        Assert.Null(SetCookie.First(first));
        Assert.Equal("undefined", await first.Content.ReadAsStringAsync());

        store.Ready = true;
        var second = await app.GetAsync();
        Assert.Equal(200, (int)second.StatusCode);
        Assert.Equal("object", await second.Content.ReadAsStringAsync());
    }

    // express-session #123
    [Fact]
    public async Task Destroy_removes_the_session()
    {
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(), async context =>
        {
            await context.GetSession().DestroyAsync();
            await context.Response.WriteAsync(ExpressHarness.SessionTypeText(context));
        });

        var response = await app.GetAsync();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Null(SetCookie.First(response));
        Assert.Equal("undefined", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, await ((IEnumerableSessionStore)app.Store).CountAsync());
    }

    // express-session #124
    [Fact]
    public async Task Regenerate_replaces_the_session_under_a_new_id()
    {
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(), async context =>
        {
            var session = context.GetSession();
            var oldId = session.Id;
            await session.RegenerateAsync();
            await context.Response.WriteAsync(session.Id == oldId ? "true" : "false");
        });

        var first = await app.GetAsync();
        var cookie = SetCookie.Require(first);
        Assert.Equal(200, (int)first.StatusCode);

        var second = await app.GetAsync("/", cookie);
        var secondCookie = SetCookie.Require(second);
        Assert.Equal(200, (int)second.StatusCode);
        Assert.NotEqual(SetCookie.SessionId(cookie), SetCookie.SessionId(secondCookie));
        Assert.Equal("false", await second.Content.ReadAsStringAsync());
        Assert.Null(await app.Store.GetAsync(SetCookie.SessionId(cookie)));
        Assert.NotNull(await app.Store.GetAsync(SetCookie.SessionId(secondCookie)));
    }

    // express-session #125
    [Fact]
    public async Task Reload_reads_the_session_from_the_store()
    {
        TestApp? running = null;
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(), async context =>
        {
            var session = context.GetSession();
            var path = context.Request.Path.Value!;
            if (path == "/")
            {
                session.Set("active", true);
                await context.Response.WriteAsync("session created");
                return;
            }

            session.Set("url", path);
            if (path == "/bar")
            {
                await context.Response.WriteAsync("saw " + session.Get<string>("url"));
                return;
            }

            var nested = await running!.GetAsync("/bar", context.Request.Headers.Cookie.ToString());
            Assert.Equal("saw /bar", await nested.Content.ReadAsStringAsync());
            await session.ReloadAsync();
            await context.Response.WriteAsync("saw " + session.Get<string>("url"));
        });
        running = app;

        var first = await app.GetAsync();
        Assert.Equal("session created", await first.Content.ReadAsStringAsync());

        var second = await app.GetAsync("/foo", SetCookie.Require(first));
        Assert.Equal(200, (int)second.StatusCode);
        Assert.Equal("saw /bar", await second.Content.ReadAsStringAsync());
    }

    // express-session #126
    [Fact]
    public async Task Reload_fails_when_the_session_is_no_longer_stored()
    {
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(), async context =>
        {
            var session = context.GetSession();
            if (context.Request.Path == "/")
            {
                session.Set("active", true);
                await context.Response.WriteAsync("session created");
                return;
            }

            await ((IEnumerableSessionStore)context.RequestServices.GetRequiredService<ISessionStore>()).ClearAsync();
            try
            {
                await session.ReloadAsync();
                await context.Response.WriteAsync("reloaded");
            }
            catch (InvalidOperationException ex)
            {
                context.Response.StatusCode = 500;
                await context.Response.WriteAsync(ex.Message);
            }
        });

        var first = await app.GetAsync();

        var second = await app.GetAsync("/foo", SetCookie.Require(first));
        Assert.Equal(500, (int)second.StatusCode);
        Assert.Contains("failed to load session", await second.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    // express-session #127
    [Fact]
    public async Task Repeated_failed_reloads_leave_the_session_usable()
    {
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(o => o.Resave = false), async context =>
        {
            var session = context.GetSession();
            if (context.Request.Path == "/")
            {
                session.Set("active", true);
                return;
            }

            await ((IEnumerableSessionStore)context.RequestServices.GetRequiredService<ISessionStore>()).ClearAsync();
            var failures = 0;
            for (var i = 0; i < 19; i++)
            {
                try
                {
                    await session.ReloadAsync();
                }
                catch (InvalidOperationException)
                {
                    failures++;
                }
            }

            session.Set("failures", failures);
            await context.Response.WriteAsync(failures == 19 && session.Get<bool>("active") ? "ok" : "not ok");
        });

        var first = await app.GetAsync();

        var second = await app.GetAsync("/foo", SetCookie.Require(first));
        Assert.Equal(200, (int)second.StatusCode);
        Assert.Equal("ok", await second.Content.ReadAsStringAsync());
    }

    // express-session #128
    [Fact]
    public async Task Save_writes_the_session_to_the_store()
    {
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(), async context =>
        {
            var session = context.GetSession();
            session.Set("hit", true);
            await session.SaveAsync();
            var stored = await context.RequestServices.GetRequiredService<ISessionStore>().GetAsync(session.Id);
            await context.Response.WriteAsync(stored is not null ? "stored" : "not stored");
        });

        var response = await app.GetAsync();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("stored", await response.Content.ReadAsStringAsync());
    }

    // express-session #129
    [Fact]
    public async Task Save_prevents_the_end_of_request_save()
    {
        var store = new CountingStore(ExpressHarness.NewClock());
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(), SaveThenEnd, store: store);

        var first = await app.GetAsync();
        Assert.Equal(1, store.Sets);
        Assert.Equal("saved", await first.Content.ReadAsStringAsync());

        store.ResetCounts();
        var second = await app.GetAsync("/", SetCookie.Require(first));
        Assert.Equal(1, store.Sets);
        Assert.Equal("saved", await second.Content.ReadAsStringAsync());
    }

    // express-session #130
    [Fact]
    public async Task Save_prevents_the_end_of_request_save_of_a_reloaded_session()
    {
        var store = new CountingStore(ExpressHarness.NewClock());
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(), async context =>
        {
            var session = context.GetSession();
            session.Set("hit", true);
            try
            {
                await session.ReloadAsync();
            }
            catch (InvalidOperationException)
            {
                // The new session is not stored yet; express ignores this error too.
            }

            await session.SaveAsync();
            await context.Response.WriteAsync("saved");
        }, store: store);

        var first = await app.GetAsync();
        Assert.Equal(1, store.Sets);
        Assert.Equal("saved", await first.Content.ReadAsStringAsync());

        store.ResetCounts();
        var second = await app.GetAsync("/", SetCookie.Require(first));
        Assert.Equal(1, store.Sets);
        Assert.Equal("saved", await second.Content.ReadAsStringAsync());
    }

    // express-session #131
    [Fact]
    public async Task Save_prevents_the_end_of_request_save_when_save_uninitialized_is_off()
    {
        var store = new CountingStore(ExpressHarness.NewClock());
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(o => o.SaveUninitialized = false), SaveThenEnd, store: store);

        var first = await app.GetAsync();
        Assert.Equal(1, store.Sets);
        Assert.Equal("saved", await first.Content.ReadAsStringAsync());

        store.ResetCounts();
        var second = await app.GetAsync("/", SetCookie.Require(first));
        Assert.Equal(1, store.Sets);
        Assert.Equal("saved", await second.Content.ReadAsStringAsync());
    }

    // express-session #132
    [Fact]
    public async Task Touch_resets_the_stored_expiry()
    {
        var time = ExpressHarness.NewClock();
        var store = new CountingStore(time);
        await using var app = await TestApp.StartAsync(
            ExpressHarness.Defaults(o =>
            {
                o.Resave = false;
                o.Cookie.MaxAge = TimeSpan.FromMilliseconds(60000);
            }),
            context =>
            {
                var session = context.GetSession();
                session.Set("hit", true);
                session.Touch();
                return Task.CompletedTask;
            },
            store: store,
            time: time);

        var first = await app.GetAsync();
        var cookie = SetCookie.Require(first);
        var sid = SetCookie.SessionId(cookie);
        var firstExpires = (await store.GetAsync(sid))!.Cookie.Expires;

        time.Advance(TimeSpan.FromMilliseconds(100));
        store.ResetCounts();
        await app.GetAsync("/", cookie);

        var secondExpires = (await store.Inner.GetAsync(sid))!.Cookie.Expires;
        Assert.NotEqual(firstExpires, secondExpires);
        Assert.Equal(firstExpires!.Value.AddMilliseconds(100), secondExpires);
        Assert.Equal(1, store.Touches);
        Assert.Equal(0, store.Sets);
    }

    private static Task CountHits(HttpContext context)
    {
        var session = context.GetSession();
        var count = session.Get<int>("count") + 1;
        session.Set("count", count);
        return context.Response.WriteAsync($"hits: {count}");
    }

    private static async Task SaveThenEnd(HttpContext context)
    {
        var session = context.GetSession();
        session.Set("hit", true);
        await session.SaveAsync();
        await context.Response.WriteAsync("saved");
    }
}
