using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.AspNetCore.Http;
using Tessera.Tests.Infrastructure;

namespace Tessera.Tests.Middleware;

/// <summary>
/// A store that reads and touches in one call (<see cref="ITouchOnReadSessionStore"/>): a request
/// that only reads its session costs one store call, and every other outcome leaves the store as
/// the separate touch would.
/// </summary>
public sealed class TouchOnReadTests
{
    private static readonly RequestDelegate Counter = context =>
    {
        var session = context.GetSession();
        if (context.Request.Path == "/rmw" || session.IsNew)
        {
            session.Set("views", session.Get<int>("views") + 1);
        }

        if (context.Request.Path == "/longer")
        {
            session.Cookie.MaxAge = TimeSpan.FromMinutes(5);
        }

        if (context.Request.Path == "/sign-in")
        {
            session.UserId = "bob";
        }

        return Task.CompletedTask;
    };

    [Fact]
    public async Task A_read_only_request_reads_and_re_arms_its_session_in_one_store_call()
    {
        var (app, store) = await StartAsync();
        await using var _ = app;
        var cookie = SetCookie.Require(await app.GetAsync());
        store.Calls.Clear();
        app.Time.Advance(TimeSpan.FromSeconds(20));

        var response = await app.GetAsync("/", cookie);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(["get+touch"], store.Calls);
        Assert.Equal(app.Time.GetUtcNow() + TimeSpan.FromMinutes(1), Assert.Single(store.Armed));
    }

    [Fact]
    public async Task The_re_armed_session_outlives_its_first_expiry()
    {
        var (app, store) = await StartAsync();
        await using var _ = app;
        var cookie = SetCookie.Require(await app.GetAsync());
        app.Time.Advance(TimeSpan.FromSeconds(50));
        await app.GetAsync("/", cookie);
        app.Time.Advance(TimeSpan.FromSeconds(50));
        var id = Assert.Single((await store.Inner.AllAsync()).Keys);

        Assert.NotNull(await store.Inner.GetAsync(id));
    }

    [Fact]
    public async Task A_request_that_writes_its_session_reads_with_the_touch_and_writes_once()
    {
        var (app, store) = await StartAsync();
        await using var _ = app;
        var cookie = SetCookie.Require(await app.GetAsync());
        store.Calls.Clear();

        await app.GetAsync("/rmw", cookie);

        Assert.Equal(["get+touch", "set"], store.Calls);
    }

    [Fact]
    public async Task With_TouchAfter_the_load_is_a_plain_read_because_the_request_may_not_touch()
    {
        var (app, store) = await StartAsync(o => o.TouchAfter = TimeSpan.FromSeconds(30));
        await using var _ = app;
        var cookie = SetCookie.Require(await app.GetAsync());
        store.Calls.Clear();

        await app.GetAsync("/", cookie);

        Assert.Equal(["get"], store.Calls);
    }

    [Fact]
    public async Task With_IdleTimeout_the_load_is_a_plain_read_because_idleness_is_told_by_the_expiry_before_the_request()
    {
        var (app, store) = await StartAsync(o =>
        {
            o.Cookie.MaxAge = null;
            o.IdleTimeout = TimeSpan.FromMinutes(1);
        });
        await using var _ = app;
        var cookie = SetCookie.Require(await app.GetAsync());
        store.Calls.Clear();

        await app.GetAsync("/", cookie);

        Assert.Equal("get", store.Calls.First());
        Assert.DoesNotContain("get+touch", store.Calls);
    }

    [Fact]
    public async Task A_session_stored_with_another_lifetime_is_touched_to_its_own_expiry_at_the_end()
    {
        var (app, store) = await StartAsync();
        await using var _ = app;
        var cookie = SetCookie.Require(await app.GetAsync("/longer"));
        store.Calls.Clear();

        await app.GetAsync("/", cookie);

        Assert.Equal(["get+touch", "touch"], store.Calls);
        var id = Assert.Single((await store.Inner.AllAsync()).Keys);
        app.Time.Advance(TimeSpan.FromMinutes(4));
        Assert.NotNull(await store.Inner.GetAsync(id));
    }

    [Fact]
    public async Task A_signed_in_session_is_touched_again_at_the_end_so_the_stores_user_index_keeps_up()
    {
        var (app, store) = await StartAsync();
        await using var _ = app;
        var cookie = SetCookie.Require(await app.GetAsync("/sign-in"));
        store.Calls.Clear();

        await app.GetAsync("/", cookie);

        Assert.Equal(["get+touch", "touch"], store.Calls);
    }

    [Fact]
    public async Task A_session_gone_from_the_store_is_not_brought_back_by_the_touch()
    {
        var (app, store) = await StartAsync(o => o.SaveUninitialized = false);
        await using var _ = app;
        var cookie = SetCookie.Require(await app.GetAsync());
        var id = Assert.Single((await store.Inner.AllAsync()).Keys);
        await store.Inner.DestroyAsync(id);
        store.Calls.Clear();

        await app.GetAsync("/", cookie);

        Assert.Equal("get+touch", store.Calls.First());
        Assert.Null(await store.Inner.GetAsync(id));
    }

    [Fact]
    public async Task A_read_only_endpoint_loads_its_session_with_a_plain_read_and_never_re_arms_it()
    {
        var store = new TouchOnReadStore(TimeProvider.System);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddTessera(o =>
        {
            o.Secrets = ["keyboard cat"];
            o.Cookie.MaxAge = TimeSpan.FromMinutes(1);
        }).UseStore(store);
        await using var app = builder.Build();
        app.UseTessera();
        app.MapGet("/write", (Session session) => session.Set("n", 1));
        app.MapGet("/peek", (Session session) => session.Get<int>("n")).ReadOnlySession();
        await app.StartAsync();
        using var client = app.GetTestClient();
        var cookie = SetCookie.Require(await client.GetAsync("/write")).Split(';')[0];
        store.Calls.Clear();

        using var request = new HttpRequestMessage(HttpMethod.Get, "/peek");
        request.Headers.Add("Cookie", cookie);
        var response = await client.SendAsync(request);

        Assert.Equal("1", await response.Content.ReadAsStringAsync());
        Assert.Equal(["get"], store.Calls);
        Assert.Empty(store.Armed);
    }

    [Fact]
    public async Task A_session_cookie_that_is_not_essential_is_loaded_with_a_plain_read()
    {
        var (app, store) = await StartAsync(o => o.Cookie.IsEssential = false);
        await using var _ = app;
        var cookie = SetCookie.Require(await app.GetAsync());
        store.Calls.Clear();

        await app.GetAsync("/", cookie);

        Assert.Equal("get", store.Calls.First());
        Assert.Empty(store.Armed);
    }

    private static async Task<(TestApp App, TouchOnReadStore Store)> StartAsync(Action<TesseraOptions>? configure = null)
    {
        var time = ExpressHarness.NewClock();
        var store = new TouchOnReadStore(time);
        var app = await TestApp.StartAsync(configure, Counter, store: store, time: time);
        return (app, store);
    }
}
