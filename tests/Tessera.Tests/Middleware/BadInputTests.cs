using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Tessera.Cookies;
using Tessera.Tests.Infrastructure;

namespace Tessera.Tests.Middleware;

/// <summary>A bad cookie is never an error: it is a new session with a freshly minted ID.</summary>
public sealed class BadInputTests
{
    private const string KnownId = "known-session-id-000000000000000";

    private static async Task<TestApp> StartAsync()
    {
        var app = await TestApp.StartAsync(null, async context =>
        {
            var session = context.GetSession();
            var views = session.Get<int>("views") + 1;
            session.Set("views", views);
            await context.Response.WriteAsync($"{(session.IsNew ? "new" : "loaded")} {views}");
        });
        var data = new SessionData(new SessionCookie(app.Time) { MaxAge = TimeSpan.FromMinutes(1) });
        data.SetRawValue("views", "41"u8);
        await app.Store.SetAsync(KnownId, data);
        return app;
    }

    private static string Signed(string id) => UriComponent.Encode("s:" + new CookieSigner(["keyboard cat"]).Sign(id));

    private static async Task<(int Status, string Body, string? SetCookie)> SendRawCookieAsync(TestApp app, string cookieHeader)
    {
        var context = await app.Server.SendAsync(c =>
        {
            c.Request.Method = "GET";
            c.Request.Path = "/";
            c.Request.Headers.Cookie = cookieHeader;
        });
        using var reader = new StreamReader(context.Response.Body);
        var setCookie = context.Response.Headers.SetCookie.FirstOrDefault();
        return (context.Response.StatusCode, await reader.ReadToEndAsync(), setCookie);
    }

    [Fact]
    public async Task A_valid_cookie_loads_the_stored_session()
    {
        await using var app = await StartAsync();

        var (status, body, _) = await SendRawCookieAsync(app, "connect.sid=" + Signed(KnownId));

        Assert.Equal(200, status);
        Assert.Equal("loaded 42", body);
    }

    public static TheoryData<string> BadCookies
    {
        get
        {
            var good = Signed(KnownId);
            return new TheoryData<string>
            {
                "connect.sid=" + good[..^1],                                       // truncated signature
                "connect.sid=" + good[..^5] + "AAAAA",                             // forged signature
                "connect.sid=" + good.Replace("known", "kn0wn", StringComparison.Ordinal), // forged ID, old signature
                "connect.sid=" + UriComponent.Encode("s:" + new CookieSigner(["another secret"]).Sign(KnownId)), // other secret
                "connect.sid=" + KnownId,                                           // unsigned ID
                "connect.sid=s%3A" + KnownId,                                       // signed prefix, no signature
                "connect.sid=s:",                                                   // empty
                "connect.sid=%E0%A4%A",                                             // malformed percent-encoding
                "connect.sid=%ZZ%",                                                 // malformed percent-encoding
                "connect.sid=s%3A%FF%FE." + new string('A', 43),                    // invalid UTF-8
                "connect.sid=" + new string('x', 4096),                             // 4 KB cookie
                "connect.sid=s%3A" + new string('a', 4000) + "." + new string('A', 43), // 4 KB signed-looking cookie
                "connect.sid=abc; connect.sid=" + good,                             // duplicate name: the first wins
                "connect.sid=\"\"",                                                 // quoted empty
                "connect.sid",                                                      // no value at all
                ";;;=;connect.sid==;",                                              // junk separators
                "connect.sid=s:caf\u00e9\u00ff.\u00e9\u00e9",                       // non-ASCII characters
                "connect.sid=" + Signed("not-in-the-store"),                        // a properly signed ID the store does not have
            };
        }
    }

    [Theory]
    [MemberData(nameof(BadCookies))]
    public async Task A_bad_cookie_gets_a_fresh_session_and_never_an_error(string cookieHeader)
    {
        await using var app = await StartAsync();

        var (status, body, setCookie) = await SendRawCookieAsync(app, cookieHeader);

        Assert.Equal(200, status);
        Assert.Equal("new 1", body);
        Assert.NotNull(setCookie);
        var id = SetCookie.SessionId(setCookie);
        Assert.NotEqual(KnownId, id);
        Assert.Equal(32, id.Length); // a freshly minted ID, never one taken from the cookie
        Assert.NotNull(await app.Store.GetAsync(KnownId)); // the stored session is untouched
    }

    [Fact]
    public async Task Non_ascii_bytes_in_the_cookie_header_get_a_fresh_session()
    {
        await using var app = await StartAsync();

        var latin1 = System.Text.Encoding.Latin1.GetString([0x63, 0x6F, 0x6E, 0x6E, 0x65, 0x63, 0x74, 0x2E, 0x73, 0x69, 0x64, 0x3D, 0xC3, 0x28, 0xFF, 0x80]);
        var (status, body, _) = await SendRawCookieAsync(app, latin1);

        Assert.Equal(200, status);
        Assert.Equal("new 1", body);
    }

    [Fact]
    public async Task The_first_cookie_of_the_name_wins_even_when_a_later_one_is_valid()
    {
        await using var app = await StartAsync();

        var (_, firstValid, _) = await SendRawCookieAsync(app, "connect.sid=" + Signed(KnownId) + "; connect.sid=abc");

        Assert.Equal("loaded 42", firstValid);
    }
}
