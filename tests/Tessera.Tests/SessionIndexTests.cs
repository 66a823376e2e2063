using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Tessera.Tests.Infrastructure;

namespace Tessera.Tests;

public sealed class SessionIndexTests
{
    private static Task<TestApp> StartAsync(List<SessionLifecycleEvent>? destroyed = null) => TestApp.StartAsync(
        o =>
        {
            o.RecordUserAgent = true;
            o.OnDestroyed = e =>
            {
                destroyed?.Add(e);
                return Task.CompletedTask;
            };
        },
        async context =>
        {
            var session = context.GetSession();
            var index = context.RequestServices.GetRequiredService<SessionIndex>();
            switch (context.Request.Path.Value)
            {
                case "/login":
                    await session.RenewIdAsync();
                    session.UserId = context.Request.Query["user"];
                    await context.Response.WriteAsync("signed in");
                    return;
                case "/sessions":
                    var sessions = await index.ListAsync(session.UserId!, session);
                    await context.Response.WriteAsync(string.Join(",", sessions.Select(s => $"{(s.IsCurrent ? "*" : "")}{s.UserAgent}")));
                    return;
                case "/logout-others":
                    await context.Response.WriteAsync((await index.DestroyOthersAsync(session)).ToString());
                    return;
                case "/logout-everywhere":
                    await context.Response.WriteAsync((await index.DestroyAllAsync(session.UserId!)).ToString());
                    return;
                default:
                    await context.Response.WriteAsync(session.UserId ?? "anonymous");
                    return;
            }
        });

    private static async Task<string> SignInAsync(TestApp app, string user, string browser)
    {
        var response = await app.SendAsync(HttpMethod.Get, "/login?user=" + user, null, r => r.Headers.UserAgent.ParseAdd(browser));
        return SetCookie.Require(response);
    }

    private static async Task<string> GetAsync(TestApp app, string path, string cookie) =>
        await (await app.GetAsync(path, cookie)).Content.ReadAsStringAsync();

    [Fact]
    public async Task A_users_sessions_are_listed_with_the_current_one_marked()
    {
        await using var app = await StartAsync();
        var laptop = await SignInAsync(app, "alice", "Laptop/1.0");
        app.Time.Advance(TimeSpan.FromSeconds(5));
        var phone = await SignInAsync(app, "alice", "Phone/2.0");
        await SignInAsync(app, "bob", "Tablet/3.0");

        // Most recently used first; the requesting session is starred; other users' sessions are not listed.
        Assert.Equal("Phone/2.0,*Laptop/1.0", await GetAsync(app, "/sessions", laptop));
        Assert.Equal("*Phone/2.0,Laptop/1.0", await GetAsync(app, "/sessions", phone));
    }

    [Fact]
    public async Task Log_out_everywhere_else_keeps_only_the_current_session()
    {
        var destroyed = new List<SessionLifecycleEvent>();
        await using var app = await StartAsync(destroyed);
        var first = await SignInAsync(app, "alice", "A");
        var second = await SignInAsync(app, "alice", "B");
        var third = await SignInAsync(app, "alice", "C");
        var bob = await SignInAsync(app, "bob", "D");

        Assert.Equal("2", await GetAsync(app, "/logout-others", first));

        Assert.Equal("alice", await GetAsync(app, "/", first));
        Assert.Equal("anonymous", await GetAsync(app, "/", second));
        Assert.Equal("anonymous", await GetAsync(app, "/", third));
        Assert.Equal("bob", await GetAsync(app, "/", bob));
        Assert.Equal(2, destroyed.Count(e => e.Reason == SessionEndReason.Revoked && e.UserId == "alice"));
    }

    [Fact]
    public async Task Log_out_everywhere_destroys_every_session_of_the_user()
    {
        await using var app = await StartAsync();
        var first = await SignInAsync(app, "alice", "A");
        var second = await SignInAsync(app, "alice", "B");

        Assert.Equal("2", await GetAsync(app, "/logout-everywhere", first));

        Assert.Equal("anonymous", await GetAsync(app, "/", first));
        Assert.Equal("anonymous", await GetAsync(app, "/", second));
    }

    [Fact]
    public async Task Expired_and_destroyed_sessions_leave_the_index()
    {
        await using var app = await StartAsync();
        var store = (IUserSessionStore)app.Store;
        var first = await SignInAsync(app, "alice", "A");
        app.Time.Advance(TimeSpan.FromSeconds(30));
        var second = await SignInAsync(app, "alice", "B");

        app.Time.Advance(TimeSpan.FromSeconds(31)); // the first session's minute is up
        Assert.Single(await store.GetUserSessionsAsync("alice"));

        await app.Store.DestroyAsync(SetCookie.SessionId(second));
        Assert.Empty(await store.GetUserSessionsAsync("alice"));
        Assert.Equal("anonymous", await GetAsync(app, "/", first));
    }

    [Fact]
    public async Task Signing_out_by_clearing_UserId_removes_the_session_from_the_users_list()
    {
        await using var app = await TestApp.StartAsync(null, async context =>
        {
            var session = context.GetSession();
            session.UserId = context.Request.Query["user"].ToString() is { Length: > 0 } user ? user : null;
            await context.Response.WriteAsync("ok");
        });
        var store = (IUserSessionStore)app.Store;
        var cookie = SetCookie.Require(await app.GetAsync("/?user=alice"));
        Assert.Single(await store.GetUserSessionsAsync("alice"));

        await app.GetAsync("/", cookie);

        Assert.Empty(await store.GetUserSessionsAsync("alice"));
    }
}
