using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Tessera.StoreConformance;

/// <summary>The endpoints the overlapping-request suites drive, and helpers to read their answers.</summary>
public static class OverlapEndpoints
{
    /// <summary>The user every suite signs in.</summary>
    public const string User = "alice";

    /// <summary>
    /// Maps <c>/signin</c>, <c>/signout</c>, <c>/whoami</c>, <c>/set/{key}?value=</c>,
    /// <c>/get/{key}</c>, <c>/remember/{key}</c> (30-day cookie and a value), <c>/rotate</c>
    /// (same-user renewal), <c>/signin-renew</c>, <c>/signout-renew</c> and, when
    /// <paramref name="slow"/> is given, <c>/slow/{key}</c> (a request held in flight).
    /// </summary>
    public static void Map(WebApplication app, SlowRequest? slow = null)
    {
        app.MapGet("/signin", (Session session) =>
        {
            session.UserId = User;
            return "ok";
        });
        app.MapGet("/signout", (Session session) =>
        {
            session.UserId = null;
            return "ok";
        });
        app.MapGet("/whoami", (Session session) => session.UserId ?? "");
        app.MapGet("/set/{key}", (string key, string? value, Session session) =>
        {
            session.Set(key, value ?? "set");
            return "ok";
        });
        app.MapGet("/get/{key}", (string key, Session session) => session.Get<string>(key) ?? "");
        app.MapGet("/remember/{key}", (string key, Session session) =>
        {
            session.Cookie.MaxAge = TimeSpan.FromDays(30);
            session.Set(key, "set");
            return "ok";
        });
        app.MapGet("/rotate", async (Session session) =>
        {
            await session.RenewIdAsync();
            return "ok";
        });
        app.MapGet("/signin-renew", async (Session session) =>
        {
            session.UserId = User;
            await session.RenewIdAsync();
            return "ok";
        });
        app.MapGet("/signout-renew", async (Session session) =>
        {
            session.UserId = null;
            await session.RenewIdAsync();
            return "ok";
        });
        if (slow is not null)
        {
            app.MapGet("/slow/{key}", async (string key, Session session) =>
            {
                slow.Loaded.Open();
                await slow.Proceed.WaitAsync();
                session.Set(key, "set");
                return "ok";
            });
        }
    }

    /// <summary>Sends a GET and returns its body, failing when the response is not a success.</summary>
    public static async Task<string> BodyAsync(this KestrelSessionApp app, string path, string? cookie = null)
    {
        using var response = await app.GetAsync(path, cookie);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path} answered {(int)response.StatusCode}: {body}");
        return body;
    }

    /// <summary>Sends a GET that must succeed and set the session cookie, and returns that cookie.</summary>
    public static async Task<string> CookieAsync(this KestrelSessionApp app, string path, string? cookie = null)
    {
        using var response = await app.GetAsync(path, cookie);
        Assert.True(response.IsSuccessStatusCode, $"GET {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.True(response.Headers.Contains("Set-Cookie"), $"GET {path} set no session cookie.");
        return KestrelSessionApp.CookieOf(response);
    }

    /// <summary>The session ID of the response's session cookie, or null when it sets none.</summary>
    public static string? SessionIdSetBy(HttpResponseMessage response) =>
        response.Headers.Contains("Set-Cookie") ? KestrelSessionApp.SessionIdOf(KestrelSessionApp.CookieOf(response)) : null;

    /// <summary>Asserts that a request held in flight ended with a success.</summary>
    public static async Task AssertSucceededAsync(Task<HttpResponseMessage> request, string what)
    {
        using var response = await Gate.WithinTimeoutAsync(request, what);
        Assert.True(response.IsSuccessStatusCode, $"{what} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }
}
