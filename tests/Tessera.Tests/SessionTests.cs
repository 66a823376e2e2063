using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Tessera.Tests.Infrastructure;

namespace Tessera.Tests;

public sealed class SessionTests
{
    private sealed record Address(string City, string[] Lines);

    private sealed record User(string Name, int Age, Address Address, DateTimeOffset SignedIn);

    [Fact]
    public async Task Nested_objects_round_trip_through_the_store_as_camel_case_json()
    {
        var user = new User("Zoë", 42, new Address("Zürich", ["Bahnhofstrasse 1", "😀"]), new DateTimeOffset(2026, 1, 2, 3, 4, 5, 678, TimeSpan.Zero));
        await using var app = await TestApp.StartAsync(null, async context =>
        {
            var session = context.GetSession();
            if (session.TryGet<User>("user", out var stored))
            {
                await context.Response.WriteAsync(stored == user with { Address = stored.Address } && stored.Address.Lines.SequenceEqual(user.Address.Lines) ? "same" : "different");
                return;
            }

            session.Set("user", user);
        });

        var cookie = SetCookie.Require(await app.GetAsync());
        var id = SetCookie.SessionId(cookie);
        var stored = await app.Store.GetAsync(id);

        Assert.Equal("same", await (await app.GetAsync("/", cookie)).Content.ReadAsStringAsync());
        Assert.True(stored!.TryGetRawValue("user", out var json));
        Assert.Equal(
            """{"name":"Zoë","age":42,"address":{"city":"Zürich","lines":["Bahnhofstrasse 1","😀"]},"signedIn":"2026-01-02T03:04:05.678Z"}""",
            System.Text.Encoding.UTF8.GetString(json.Span));
    }

    [Fact]
    public async Task Get_Set_Remove_Keys_and_Clear_work_on_the_values()
    {
        await using var app = await TestApp.StartAsync(null, async context =>
        {
            var session = context.GetSession();
            session.Set("a", 1);
            session.Set("b", new JsonObject { ["x"] = "y" });
            session.Set("c", "three");
            var removed = session.Remove("c") && !session.Remove("missing");
            var keys = string.Join(",", session.Keys);
            var missing = session.Get<int?>("missing");
            var found = session.TryGet<JsonObject>("b", out var b) ? b!["x"]!.GetValue<string>() : "none";
            session.Clear();
            await context.Response.WriteAsync($"{removed} {keys} {missing?.ToString() ?? "null"} {found} {session.Keys.Count}");
        });

        var body = await (await app.GetAsync()).Content.ReadAsStringAsync();

        Assert.Equal("True a,b null y 0", body);
    }

    [Fact]
    public async Task The_key_cookie_is_reserved()
    {
        await using var app = await TestApp.StartAsync(null, context =>
        {
            Assert.Throws<ArgumentException>(() => context.GetSession().Set("cookie", 1));
            return context.Response.WriteAsync("checked");
        });

        Assert.Equal("checked", await (await app.GetAsync()).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task RenewIdAsync_gives_a_new_id_with_the_same_data_and_removes_the_old_id()
    {
        await using var app = await TestApp.StartAsync(null, async context =>
        {
            var session = context.GetSession();
            if (context.Request.Path == "/login")
            {
                await session.RenewIdAsync();
                session.Set("user", "bob");
            }
            else
            {
                session.Set("cart", 3);
            }

            await context.Response.WriteAsync($"{session.Get<int>("cart")} {session.Get<string>("user")}");
        });
        var first = SetCookie.Require(await app.GetAsync());
        var oldId = SetCookie.SessionId(first);

        var login = await app.GetAsync("/login", first);

        var renewed = SetCookie.Require(login);
        Assert.Equal("3 bob", await login.Content.ReadAsStringAsync());
        Assert.NotEqual(oldId, SetCookie.SessionId(renewed));
        Assert.Null(await app.Store.GetAsync(oldId));
        Assert.NotNull(await app.Store.GetAsync(SetCookie.SessionId(renewed)));
    }

    [Fact]
    public async Task RegenerateAsync_gives_a_new_id_and_empty_data()
    {
        await using var app = await TestApp.StartAsync(null, async context =>
        {
            var session = context.GetSession();
            if (context.Request.Path == "/regenerate")
            {
                await session.RegenerateAsync();
            }
            else
            {
                session.Set("cart", 3);
            }

            await context.Response.WriteAsync($"{session.Keys.Count} {session.IsNew}");
        });
        var first = SetCookie.Require(await app.GetAsync());

        var regenerated = await app.GetAsync("/regenerate", first);

        Assert.Equal("0 True", await regenerated.Content.ReadAsStringAsync());
        Assert.NotEqual(SetCookie.SessionId(first), SetCookie.SessionId(SetCookie.Require(regenerated)));
        Assert.Null(await app.Store.GetAsync(SetCookie.SessionId(first)));
    }

    [Fact]
    public async Task Cookie_MaxAge_is_the_time_left_and_OriginalMaxAge_the_lifetime()
    {
        await using var app = await TestApp.StartAsync(null, async context =>
        {
            var cookie = context.GetSession().Cookie;
            context.GetSession().Set("seen", true);
            await context.Response.WriteAsync($"{cookie.MaxAge!.Value.TotalSeconds} {cookie.OriginalMaxAge!.Value.TotalSeconds}");
        });
        var cookie = SetCookie.Require(await app.GetAsync());

        app.Time.Advance(TimeSpan.FromSeconds(15));

        Assert.Equal("45 60", await (await app.GetAsync("/", cookie)).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_Session_parameter_binds_in_minimal_apis()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddTessera(o => o.Secrets = ["keyboard cat"]);
        await using var app = builder.Build();
        app.UseTessera();
        app.MapGet("/", (Session session) =>
        {
            var views = session.Get<int>("views") + 1;
            session.Set("views", views);
            return $"views: {views}";
        });
        await app.StartAsync();
        using var client = app.GetTestClient();

        var first = await client.GetAsync("/");
        using var second = new HttpRequestMessage(HttpMethod.Get, "/");
        second.Headers.Add("Cookie", first.Headers.GetValues("Set-Cookie").First().Split(';')[0]);

        Assert.Equal("views: 1", await first.Content.ReadAsStringAsync());
        Assert.Equal("views: 2", await (await client.SendAsync(second)).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task GetSession_outside_the_cookie_path_is_a_clear_error_and_TryGetSession_is_false()
    {
        await using var app = await TestApp.StartAsync(o => o.Cookie.Path = "/app", context =>
        {
            var tried = context.TryGetSession(out _);
            var failure = Assert.Throws<InvalidOperationException>(() => context.GetSession());
            return context.Response.WriteAsync($"{tried} {failure.Message.Contains("UseTessera", StringComparison.Ordinal)}");
        });

        Assert.Equal("False True", await (await app.GetAsync("/other")).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_store_failure_while_loading_goes_through_the_error_path_and_the_log()
    {
        await using var app = await TestApp.StartAsync(
            null,
            context => context.Response.WriteAsync("handler ran"),
            before: pipeline => pipeline.Use(async (context, next) =>
            {
                try
                {
                    await next(context);
                }
                catch (SessionStoreException ex) when (ex.InnerException?.Message == "boom!")
                {
                    context.Response.StatusCode = 500;
                    await context.Response.WriteAsync($"error in {ex.Operation}: {ex.InnerException.Message}");
                }
            }),
            store: new FailingStore());
        var logs = LogSink.Attach(app);
        var cookie = "connect.sid=" + Tessera.Cookies.UriComponent.Encode("s:" + new Tessera.Cookies.CookieSigner(["keyboard cat"]).Sign("abcdefghijklmnopqrstuvwxyz012345"));

        var response = await app.GetAsync("/", cookie);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("error in load: boom!", await response.Content.ReadAsStringAsync());
        Assert.Equal("boom!", Assert.Single(logs.Named("StoreFailed")).Exception?.Message);
    }

    [Fact]
    public async Task A_store_failure_while_saving_is_an_error_and_sets_no_cookie()
    {
        await using var app = await TestApp.StartAsync(
            o => o.SaveUninitialized = true,
            _ => Task.CompletedTask,
            before: pipeline => pipeline.Use(async (context, next) =>
            {
                try
                {
                    await next(context);
                }
                catch (SessionStoreException ex) when (ex.InnerException?.Message == "boom!")
                {
                    context.Response.StatusCode = 503;
                }
            }),
            store: new FailingStore());

        var response = await app.GetAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Null(SetCookie.First(response));
    }

    private sealed class FailingStore : ISessionStore
    {
        public ValueTask<SessionData?> GetAsync(string key, CancellationToken cancellationToken = default) => throw new InvalidOperationException("boom!");

        public ValueTask<object?> SetAsync(string key, SessionData data, CancellationToken cancellationToken = default) => throw new InvalidOperationException("boom!");

        public ValueTask DestroyAsync(string key, CancellationToken cancellationToken = default) => throw new InvalidOperationException("boom!");
    }
}
