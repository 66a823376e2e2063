using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Tessera.Middleware;
using Tessera.Tests.Infrastructure;

namespace Tessera.Tests.Conformance;

/// <summary>express-session's top-level <c>session()</c> tests.</summary>
public sealed class SessionTests
{
    // express-session #20
    [Fact]
    public async Task Does_nothing_when_the_request_already_has_a_session()
    {
        var store = new CountingStore(ExpressHarness.NewClock());
        await using var app = await TestApp.StartAsync(
            ExpressHarness.Defaults(),
            before: a => a.Use((context, next) =>
            {
                context.Features.Set(new TesseraFeature { Context = context });
                return next(context);
            }),
            store: store);

        var response = await app.GetAsync();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Null(SetCookie.First(response));
        Assert.Equal(0, store.Sets);
    }

    // express-session #21
    [Fact]
    public async Task Refuses_to_start_without_a_secret()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(
            () => TestApp.StartAsync(o => o.Secrets = new TesseraOptions().Secrets));

        Assert.Contains("Secrets", error.Message, StringComparison.Ordinal);
    }

    // express-session #23
    [Fact]
    public async Task Creates_a_new_session()
    {
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(), async context =>
        {
            context.GetSession().Set("active", true);
            await context.Response.WriteAsync("session active");
        });

        var response = await app.GetAsync();

        Assert.Equal("connect.sid", SetCookie.Name(SetCookie.Require(response)));
        Assert.Equal("session active", await response.Content.ReadAsStringAsync());
        Assert.Equal(1, await ((IEnumerableSessionStore)app.Store).CountAsync());
    }

    // express-session #24
    [Fact]
    public async Task Loads_the_session_of_the_cookie_sid()
    {
        var count = 0;
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(), context => SessionNumber(context, ref count));

        var first = await app.GetAsync();
        var cookie = SetCookie.Require(first);
        Assert.Equal("connect.sid", SetCookie.Name(cookie));
        Assert.Equal("session 1", await first.Content.ReadAsStringAsync());

        var second = await app.GetAsync("/", cookie);
        Assert.Equal(200, (int)second.StatusCode);
        Assert.Equal("session 1", await second.Content.ReadAsStringAsync());
    }

    // express-session #25
    [Fact]
    public async Task A_store_error_while_loading_fails_the_request()
    {
        var store = new CountingStore(ExpressHarness.NewClock()) { FailGet = new InvalidOperationException("boom!") };
        var errors = new ErrorSink();
        await using var app = await TestApp.StartAsync(
            ExpressHarness.Defaults(),
            context => context.Response.WriteAsync("hello, world"),
            errors.Install,
            store);

        var first = await app.GetAsync();
        Assert.Equal(0, store.Gets);
        Assert.Equal("hello, world", await first.Content.ReadAsStringAsync());
        var cookie = SetCookie.Require(first);

        var second = await app.GetAsync("/", cookie);
        Assert.Equal(500, (int)second.StatusCode);
        Assert.Equal("boom!", await second.Content.ReadAsStringAsync());
        Assert.Null(SetCookie.First(second));
    }

    // express-session #26
    [Fact]
    public async Task A_store_that_finds_nothing_gives_a_new_session()
    {
        var count = 0;
        var store = new CountingStore(ExpressHarness.NewClock()) { FindNothing = true };
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(), context => SessionNumber(context, ref count), store: store);

        var first = await app.GetAsync();
        var cookie = SetCookie.Require(first);
        Assert.Equal("session 1", await first.Content.ReadAsStringAsync());

        var second = await app.GetAsync("/", cookie);
        Assert.Equal(200, (int)second.StatusCode);
        Assert.Equal("session 2", await second.Content.ReadAsStringAsync());
        Assert.Equal(1, store.Gets);
    }

    // express-session #27
    [Fact]
    public async Task Creates_one_session_per_cookieless_request()
    {
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(), context =>
        {
            var session = context.GetSession();
            if (session.ContainsKey("num"))
            {
                return context.Response.WriteAsync("session found");
            }

            session.Set("num", 1);
            return context.Response.WriteAsync("session created");
        });

        var responses = await Task.WhenAll(app.GetAsync(), app.GetAsync());

        foreach (var response in responses)
        {
            Assert.Equal(200, (int)response.StatusCode);
            Assert.Equal("session created", await response.Content.ReadAsStringAsync());
        }

        Assert.Equal(2, (await ((IEnumerableSessionStore)app.Store).AllAsync()).Count);
    }

    // express-session #28
    [Fact]
    public async Task Handles_an_empty_request_path()
    {
        await using var app = await TestApp.StartAsync(
            ExpressHarness.Defaults(),
            before: a => a.Use((context, next) =>
            {
                context.Request.PathBase = PathString.Empty;
                context.Request.Path = PathString.Empty;
                return next(context);
            }));

        var response = await app.GetAsync();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("connect.sid", SetCookie.Name(SetCookie.Require(response)));
    }

    // express-session #29
    [Fact]
    public async Task Completing_the_response_twice_is_harmless_and_later_writes_fail()
    {
        Exception? writeError = null;
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(), async context =>
        {
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync("Hello, world!");
            await context.Response.CompleteAsync();
            await context.Response.CompleteAsync();
            writeError = await Record.ExceptionAsync(() => context.Response.WriteAsync("Hello again"));
        });

        var response = await app.GetAsync();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Hello, world!", await response.Content.ReadAsStringAsync());
        Assert.IsType<InvalidOperationException>(writeError);
        Assert.Equal(1, await ((IEnumerableSessionStore)app.Store).CountAsync());
    }

    // express-session #30
    [Fact]
    public async Task Handles_an_empty_write_and_completion()
    {
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(), async context =>
        {
            await context.Response.Body.WriteAsync(ReadOnlyMemory<byte>.Empty);
            await context.Response.CompleteAsync();
        });

        var response = await app.GetAsync();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(string.Empty, await response.Content.ReadAsStringAsync());
    }

    // express-session #31
    [Fact]
    public async Task A_stored_value_named_save_does_not_stop_the_end_of_request_save()
    {
        var count = 0;
        string? sid = null;
        var store = new CountingStore(ExpressHarness.NewClock());
        await using var app = await TestApp.StartAsync(
            ExpressHarness.Defaults(),
            context =>
            {
                var session = context.GetSession();
                sid = session.Id;
                if (!session.ContainsKey("num"))
                {
                    session.Set("num", ++count);
                }

                return context.Response.WriteAsync("session saved");
            },
            store: store);

        var first = await app.GetAsync();
        Assert.Equal(200, (int)first.StatusCode);
        Assert.Equal("session saved", await first.Content.ReadAsStringAsync());
        var stored = (await store.Inner.GetAsync(sid!))!;
        stored.SetRawValue("save", "\"nope\""u8);
        await store.Inner.SetAsync(sid!, stored);
        store.ResetCounts();

        var second = await app.GetAsync("/", SetCookie.Require(first).Split(';')[0]);

        // express: 200 'session saved', which requires the end-of-request save (resave) to succeed.
        Assert.Equal(200, (int)second.StatusCode);
        Assert.Equal("session saved", await second.Content.ReadAsStringAsync());
        Assert.Equal(1, store.Sets);
    }

    // express-session #32
    [Fact]
    public async Task Only_the_cookie_and_the_values_are_stored()
    {
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(), context =>
        {
            var session = context.GetSession();
            session.Set("test1", 1);
            session.Set("test2", "b");
            return context.Response.WriteAsync(string.Join(",", session.Keys.Order(StringComparer.Ordinal)));
        });

        var response = await app.GetAsync();

        Assert.Equal("test1,test2", await response.Content.ReadAsStringAsync());
        var stored = (await app.Store.GetAsync(SetCookie.SessionId(SetCookie.Require(response))))!;
        using var document = JsonDocument.Parse(stored.ToJson());
        var names = document.RootElement.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal);
        Assert.Equal("cookie,test1,test2", string.Join(",", names));
    }

    // express-session #34
    [Fact]
    public async Task A_slow_response_takes_the_cookie_expiry_when_its_headers_are_written()
    {
        DateTimeOffset? headersWrittenAt = null;
        TestApp? running = null;
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(o => o.Rolling = true), async context =>
        {
            context.GetSession().Set("user", "bob");
            headersWrittenAt = running!.Time.GetUtcNow();
            await context.Response.WriteAsync("hello, ");
            running.Time.Advance(TimeSpan.FromMilliseconds(200));
            await context.Response.WriteAsync("world!");
        });
        running = app;

        var first = await app.GetAsync();
        var cookie = SetCookie.Require(first);
        Assert.Equal("connect.sid", SetCookie.Name(cookie));
        var firstExpires = SetCookie.Attribute(cookie, "Expires");

        // 200 ms past the next whole second, as express-session's test waits.
        var now = app.Time.GetUtcNow();
        app.Time.Advance(TimeSpan.FromMilliseconds(1000 - now.Millisecond + 200));
        var second = await app.GetAsync("/", cookie);

        var secondCookie = SetCookie.Require(second);
        Assert.Equal("connect.sid", SetCookie.Name(secondCookie));
        var secondExpires = SetCookie.Attribute(secondCookie, "Expires");
        Assert.NotEqual(firstExpires, secondExpires);
        Assert.Equal(Rfc1123(headersWrittenAt!.Value.AddMinutes(1)), secondExpires);
    }

    internal static Task SessionNumber(HttpContext context, ref int count)
    {
        var session = context.GetSession();
        if (!session.TryGet<int>("num", out var num))
        {
            num = ++count;
            session.Set("num", num);
        }

        return context.Response.WriteAsync($"session {num}");
    }

    internal static string Rfc1123(DateTimeOffset value) =>
        value.UtcDateTime.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}
