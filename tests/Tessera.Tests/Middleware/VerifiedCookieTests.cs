using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Tessera.Cookies;
using Tessera.Tests.Infrastructure;

namespace Tessera.Tests.Middleware;

/// <summary>Returning visitors' cookies are recognised without a new HMAC; what they may do stays the same.</summary>
public sealed class VerifiedCookieTests
{
    private static readonly RequestDelegate Counter = async context =>
    {
        var session = context.GetSession();
        session.Set("n", session.Get<int>("n") + 1);
        await context.Response.WriteAsync(session.Get<int>("n").ToString(System.Globalization.CultureInfo.InvariantCulture));
    };

    [Fact]
    public async Task A_tampered_cookie_is_rejected_after_the_genuine_one_was_accepted()
    {
        await using var app = await TestApp.StartAsync(null, Counter);
        var first = await app.GetAsync("/");
        var cookie = "connect.sid=" + SetCookie.Value(SetCookie.Require(first));
        Assert.Equal("2", await (await app.GetAsync("/", cookie)).Content.ReadAsStringAsync());

        var tampered = cookie[..^1] + (cookie[^1] == 'A' ? 'B' : 'A');
        var response = await app.GetAsync("/", tampered);

        Assert.Equal("1", await response.Content.ReadAsStringAsync());
        Assert.NotEqual(SetCookie.SessionId(SetCookie.Require(first)), SetCookie.SessionId(SetCookie.Require(response)));
    }

    [Fact]
    public async Task The_same_cookie_is_accepted_on_every_request()
    {
        await using var app = await TestApp.StartAsync(null, Counter);
        var cookie = "connect.sid=" + SetCookie.Value(SetCookie.Require(await app.GetAsync("/")));

        for (var n = 2; n <= 5; n++)
        {
            Assert.Equal(n.ToString(System.Globalization.CultureInfo.InvariantCulture), await (await app.GetAsync("/", cookie)).Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task A_cookie_is_sent_back_exactly_as_the_browser_holds_it()
    {
        await using var app = await TestApp.StartAsync(o => o.Rolling = true, Counter);
        var value = SetCookie.Value(SetCookie.Require(await app.GetAsync("/")));

        for (var i = 0; i < 3; i++)
        {
            var response = await app.GetAsync("/", "connect.sid=" + value);
            Assert.Equal(value, SetCookie.Value(SetCookie.Require(response)));
        }
    }

    [Fact]
    public async Task A_cookie_signed_with_an_older_secret_is_signed_again_with_the_newest_on_every_request()
    {
        var time = ExpressHarness.NewClock();
        var store = new MemoryStore(timeProvider: time);
        string line;
        await using (var before = await TestApp.StartAsync(o => o.Secrets = ["old secret"], Counter, store: store, time: time))
        {
            line = SetCookie.Require(await before.GetAsync("/"));
        }

        await using var app = await TestApp.StartAsync(o => { o.Secrets = ["new secret", "old secret"]; o.Rolling = true; }, Counter, store: store, time: time);
        var oldValue = SetCookie.Value(line);
        var expected = new CookieSigner(["new secret"]).SignCookieValue(SetCookie.SessionId(line));
        Assert.NotEqual(oldValue, expected);

        for (var n = 2; n <= 3; n++)
        {
            // The second time, the old value is recognised from the first: it is still re-signed.
            var response = await app.GetAsync("/", "connect.sid=" + oldValue);
            Assert.Equal(n.ToString(System.Globalization.CultureInfo.InvariantCulture), await response.Content.ReadAsStringAsync());
            Assert.Equal(expected, SetCookie.Value(SetCookie.Require(response)));
        }
    }

    [Fact]
    public async Task ValidateId_is_asked_on_every_request_even_for_a_cookie_accepted_before()
    {
        var revoked = new ConcurrentDictionary<string, bool>();
        await using var app = await TestApp.StartAsync(
            o =>
            {
                o.GenerateId = _ => "tenant-" + Guid.NewGuid().ToString("N");
                o.ValidateId = id => id.StartsWith("tenant-", StringComparison.Ordinal) && !revoked.ContainsKey(id);
            },
            Counter);
        var line = SetCookie.Require(await app.GetAsync("/"));
        var cookie = "connect.sid=" + SetCookie.Value(line);
        Assert.Equal("2", await (await app.GetAsync("/", cookie)).Content.ReadAsStringAsync());

        revoked[SetCookie.SessionId(line)] = true;
        var response = await app.GetAsync("/", cookie);

        Assert.Equal("1", await response.Content.ReadAsStringAsync());
        Assert.NotEqual(SetCookie.SessionId(line), SetCookie.SessionId(SetCookie.Require(response)));
    }
}
