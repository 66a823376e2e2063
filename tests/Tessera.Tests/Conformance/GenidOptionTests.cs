using Microsoft.AspNetCore.Http;
using Tessera.Tests.Infrastructure;

namespace Tessera.Tests.Conformance;

/// <summary>express-session's <c>genid option</c>: <see cref="TesseraOptions.GenerateId"/>.</summary>
public sealed class GenidOptionTests
{
    // express-session #33 (nearest: a GenerateId that gives no ID ↔ a non-string req.sessionID)
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public async Task A_generator_that_returns_no_id_gives_a_working_session_that_is_never_saved_and_no_cookie(string? generated)
    {
        var store = new CountingStore(ExpressHarness.NewClock());
        await using var app = await TestApp.StartAsync(
            ExpressHarness.Defaults(o => o.GenerateId = _ => generated!),
            context =>
            {
                var session = context.GetSession();
                session.Set("foo", "bar");
                return context.Response.WriteAsync(session.Get<string>("foo")!);
            },
            store: store);
        var logs = LogSink.Attach(app);

        var response = await app.GetAsync();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("bar", await response.Content.ReadAsStringAsync());
        Assert.Null(SetCookie.First(response));
        Assert.Equal(0, store.Sets);
        Assert.Equal(0, await store.Inner.CountAsync());
        var error = Assert.Single(logs.Named("NoSessionId"));
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Error, error.Level);
        Assert.Contains("TesseraOptions.GenerateId", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_generator_that_returns_no_id_is_logged_once_per_request_however_often_it_is_called()
    {
        var store = new CountingStore(ExpressHarness.NewClock());
        await using var app = await TestApp.StartAsync(
            ExpressHarness.Defaults(o => o.GenerateId = _ => string.Empty),
            async context =>
            {
                var session = context.GetSession();
                await session.RegenerateAsync();
                session.Set("n", 1);
                await session.SaveAsync();
                await session.RenewIdAsync();
                await context.Response.WriteAsync(session.Id.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
            },
            store: store);
        var logs = LogSink.Attach(app);

        var first = await app.GetAsync();
        var second = await app.GetAsync();

        Assert.Equal(200, (int)first.StatusCode);
        Assert.Equal("0", await first.Content.ReadAsStringAsync());
        Assert.Null(SetCookie.First(first));
        Assert.Null(SetCookie.First(second));
        Assert.Equal(0, store.Sets);
        Assert.Equal(2, logs.Named("NoSessionId").Count);
    }

    [Fact]
    public async Task Renewing_a_stored_session_when_the_generator_returns_no_id_fails_and_keeps_the_session_where_it_is()
    {
        var calls = 0;
        var store = new CountingStore(ExpressHarness.NewClock());
        await using var app = await TestApp.StartAsync(
            ExpressHarness.Defaults(o => o.GenerateId = _ => Interlocked.Increment(ref calls) == 1 ? "first-id" : string.Empty),
            async context =>
            {
                var session = context.GetSession();
                session.Set("n", 1);
                if (context.Request.Path == "/renew")
                {
                    var error = await Assert.ThrowsAsync<InvalidOperationException>(() => session.RenewIdAsync());
                    await context.Response.WriteAsync(error.Message);
                }
            },
            store: store);

        var cookie = SetCookie.Require(await app.GetAsync()).Split(';')[0];
        var renew = await app.GetAsync("/renew", cookie);

        Assert.Contains("TesseraOptions.GenerateId", await renew.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.NotNull(await store.Inner.GetAsync("first-id"));
    }

    // express-session #79
    [Fact]
    public async Task Provides_a_default_generator()
    {
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults());

        var response = await app.GetAsync();

        Assert.Equal(200, (int)response.StatusCode);
        var cookie = SetCookie.Require(response);
        Assert.Equal("connect.sid", SetCookie.Name(cookie));
        Assert.Matches("^[A-Za-z0-9_-]{32}$", SetCookie.SessionId(cookie));
    }

    // express-session #80
    [Fact]
    public async Task Allows_a_custom_generator()
    {
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(o => o.GenerateId = _ => "apple"));

        var response = await app.GetAsync();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("s%3Aapple.D8Y%2BpkTAmeR0PobOhY4G97PRW%2Bj7bUnP%2F5m6%2FOn1MCU", SetCookie.Value(SetCookie.Require(response)));
    }

    // express-session #81
    [Fact]
    public async Task Encodes_unsafe_characters_of_a_custom_id()
    {
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(o => o.GenerateId = _ => "%"));

        var response = await app.GetAsync();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("s%3A%25.kzQ6x52kKVdF35Qh62AWk4ZekS28K5XYCXKa%2FOTZ01g", SetCookie.Value(SetCookie.Require(response)));
    }

    // express-session #82
    [Fact]
    public async Task The_generator_is_given_the_request()
    {
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(o => o.GenerateId = context => context.Request.Path.Value!));

        var response = await app.GetAsync("/foo");

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("s%3A%2Ffoo.paEKBtAHbV5s1IB8B2zPnzAgYmmnRPIqObW4VRYj%2FMQ", SetCookie.Value(SetCookie.Require(response)));
    }
}
