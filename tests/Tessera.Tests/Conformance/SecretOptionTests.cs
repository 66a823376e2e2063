using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Tessera.Tests.Infrastructure;

namespace Tessera.Tests.Conformance;

/// <summary>express-session's <c>secret option</c>: <see cref="TesseraOptions.Secrets"/>.</summary>
public sealed class SecretOptionTests
{
    // express-session #104
    [Fact]
    public async Task Refuses_to_start_with_an_empty_list_of_secrets()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => TestApp.StartAsync(o => o.Secrets = []));

        Assert.Contains("Secrets", error.Message, StringComparison.Ordinal);
    }

    // express-session #104 (an empty secret is no secret either)
    [Fact]
    public async Task Refuses_to_start_with_an_empty_secret()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => TestApp.StartAsync(o => o.Secrets = ["keyboard cat", string.Empty]));

        Assert.Contains("Secrets", error.Message, StringComparison.Ordinal);
    }

    // express-session #105
    [Fact]
    public async Task Signs_and_unsigns_with_a_string()
    {
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(o => o.Secrets = ["awesome cat"]), SetOrGetUser);

        var first = await app.GetAsync();
        var cookie = SetCookie.Require(first);
        Assert.Equal("set", await first.Content.ReadAsStringAsync());

        var second = await app.GetAsync("/", cookie);
        Assert.Equal("get:\"bob\"", await second.Content.ReadAsStringAsync());
    }

    // express-session #106 (secrets are strings; the nearest is arbitrary key material in one)
    [Fact]
    public async Task Signs_and_unsigns_with_random_key_material()
    {
        var secret = string.Concat(RandomNumberGenerator.GetBytes(32).Select(b => (char)b));
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(o => o.Secrets = [secret]), SetOrGetUser);

        var first = await app.GetAsync();
        var cookie = SetCookie.Require(first);
        Assert.Equal("set", await first.Content.ReadAsStringAsync());

        var second = await app.GetAsync("/", cookie);
        Assert.Equal("get:\"bob\"", await second.Content.ReadAsStringAsync());
    }

    // express-session #107
    [Fact]
    public async Task With_several_secrets_signs_cookies()
    {
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(o => o.Secrets = ["keyboard cat", "nyan cat"]), SetUserAndEcho);

        var response = await app.GetAsync();

        Assert.Equal("connect.sid", SetCookie.Name(SetCookie.Require(response)));
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("bob", await response.Content.ReadAsStringAsync());
    }

    // express-session #108
    [Fact]
    public async Task With_several_secrets_signs_with_the_first()
    {
        var time = ExpressHarness.NewClock();
        var store = new MemoryStore(timeProvider: time);
        await using var first = await TestApp.StartAsync(ExpressHarness.Defaults(o => o.Secrets = ["keyboard cat", "nyan cat"]), SetUserAndEcho, store: store, time: time);
        await using var second = await TestApp.StartAsync(ExpressHarness.Defaults(o => o.Secrets = ["nyan cat"]), EchoUser, store: store, time: time);

        var signed = await first.GetAsync();
        var cookie = SetCookie.Require(signed);
        Assert.Equal("bob", await signed.Content.ReadAsStringAsync());

        var read = await second.GetAsync("/", cookie);
        Assert.Equal(200, (int)read.StatusCode);
        Assert.Equal("undefined", await read.Content.ReadAsStringAsync());
    }

    // express-session #109
    [Fact]
    public async Task With_several_secrets_reads_cookies_signed_with_any()
    {
        var time = ExpressHarness.NewClock();
        var store = new MemoryStore(timeProvider: time);
        await using var first = await TestApp.StartAsync(ExpressHarness.Defaults(o => o.Secrets = ["nyan cat"]), SetUserAndEcho, store: store, time: time);
        await using var second = await TestApp.StartAsync(ExpressHarness.Defaults(o => o.Secrets = ["keyboard cat", "nyan cat"]), EchoUser, store: store, time: time);

        var signed = await first.GetAsync();
        var cookie = SetCookie.Require(signed);
        Assert.Equal("bob", await signed.Content.ReadAsStringAsync());

        var read = await second.GetAsync("/", cookie);
        Assert.Equal(200, (int)read.StatusCode);
        Assert.Equal("bob", await read.Content.ReadAsStringAsync());
    }

    private static Task SetOrGetUser(HttpContext context)
    {
        var session = context.GetSession();
        if (!session.TryGet<string>("user", out var user))
        {
            session.Set("user", "bob");
            return context.Response.WriteAsync("set");
        }

        return context.Response.WriteAsync("get:" + JsonSerializer.Serialize(user));
    }

    private static Task SetUserAndEcho(HttpContext context)
    {
        var session = context.GetSession();
        session.Set("user", "bob");
        return context.Response.WriteAsync(session.Get<string>("user")!);
    }

    private static Task EchoUser(HttpContext context) =>
        context.Response.WriteAsync(context.GetSession().Get<string>("user") ?? "undefined");
}
