using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Tessera.Testing;

/// <summary>
/// An application written against Microsoft's session API only — <c>HttpContext.Session</c>
/// (<c>SetString</c>, <c>GetInt32</c>, bytes, <c>Keys</c>, <c>Remove</c>, <c>Clear</c>) and
/// session-state TempData — with its tests. Each derived class runs them unchanged on a
/// different session implementation: Microsoft.AspNetCore.Session itself (which shows the
/// tests are right) and Tessera on each store.
/// </summary>
public abstract class MicrosoftSessionApiTests
{
    /// <summary>Registers the session implementation under test.</summary>
    protected abstract void AddSession(IServiceCollection services);

    /// <summary>Adds the session middleware under test.</summary>
    protected abstract void UseSession(IApplicationBuilder app);

    private async Task<(WebApplication App, Func<HttpClient> Browser)> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        AddSession(builder.Services);
        builder.Services.AddControllersWithViews().AddSessionStateTempDataProvider();
        var app = builder.Build();
        UseSession(app);

        app.MapGet("/string/set", (HttpContext context, string value) =>
        {
            context.Session.SetString("name", value);
            return "ok";
        });
        app.MapGet("/string/get", (HttpContext context) => context.Session.GetString("name") ?? "(none)");
        app.MapGet("/count", async (HttpContext context) =>
        {
            await context.Session.LoadAsync();
            var count = (context.Session.GetInt32("count") ?? 0) + 1;
            context.Session.SetInt32("count", count);
            await context.Session.CommitAsync();
            return count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        });
        app.MapGet("/bytes/set", (HttpContext context) =>
        {
            context.Session.Set("blob", [0, 1, 2, 255, 254, 0x80]);
            return "ok";
        });
        app.MapGet("/bytes/get", (HttpContext context) =>
            context.Session.TryGetValue("blob", out var blob) ? Convert.ToHexString(blob) : "(none)");
        app.MapGet("/keys", (HttpContext context) => string.Join(",", context.Session.Keys.Order(StringComparer.Ordinal)));
        app.MapGet("/remove", (HttpContext context, string key) =>
        {
            context.Session.Remove(key);
            return "ok";
        });
        app.MapGet("/clear", (HttpContext context) =>
        {
            context.Session.Clear();
            return "ok";
        });
        app.MapGet("/id", (HttpContext context) => $"{context.Session.IsAvailable}:{context.Session.Id}");
        app.MapGet("/flash/set", (HttpContext context, ITempDataDictionaryFactory factory, string message) =>
        {
            var tempData = factory.GetTempData(context);
            tempData["flash"] = message;
            tempData.Save();
            return "ok";
        });
        app.MapGet("/flash/get", (HttpContext context, ITempDataDictionaryFactory factory) =>
        {
            var tempData = factory.GetTempData(context);
            var message = tempData["flash"] as string ?? "(none)";
            tempData.Save();
            return message;
        });

        await app.StartAsync();
        var server = app.GetTestServer();
        return (app, () => new HttpClient(new CookieHandler(server.CreateHandler())) { BaseAddress = server.BaseAddress });
    }

    private static async Task<string> GetAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    [Fact]
    public async Task SetString_is_read_back_by_GetString_on_the_next_request()
    {
        var (app, browser) = await StartAsync();
        await using var _ = app;
        using var client = browser();

        Assert.Equal("(none)", await GetAsync(client, "/string/get"));
        await GetAsync(client, "/string/set?value=Zo%C3%AB%20%F0%9F%98%80");

        Assert.Equal("Zoë 😀", await GetAsync(client, "/string/get"));
    }

    [Fact]
    public async Task SetInt32_counts_across_requests_with_LoadAsync_and_CommitAsync()
    {
        var (app, browser) = await StartAsync();
        await using var _ = app;
        using var client = browser();

        Assert.Equal("1", await GetAsync(client, "/count"));
        Assert.Equal("2", await GetAsync(client, "/count"));
        Assert.Equal("3", await GetAsync(client, "/count"));
    }

    [Fact]
    public async Task Arbitrary_bytes_round_trip()
    {
        var (app, browser) = await StartAsync();
        await using var _ = app;
        using var client = browser();

        await GetAsync(client, "/bytes/set");

        Assert.Equal("000102FFFE80", await GetAsync(client, "/bytes/get"));
    }

    [Fact]
    public async Task Keys_Remove_and_Clear_work()
    {
        var (app, browser) = await StartAsync();
        await using var _ = app;
        using var client = browser();
        await GetAsync(client, "/string/set?value=a");
        await GetAsync(client, "/count");
        await GetAsync(client, "/bytes/set");

        Assert.Equal("blob,count,name", await GetAsync(client, "/keys"));
        await GetAsync(client, "/remove?key=count");
        Assert.Equal("blob,name", await GetAsync(client, "/keys"));
        await GetAsync(client, "/clear");
        Assert.Equal("(none)", await GetAsync(client, "/string/get"));
        Assert.Equal("", await GetAsync(client, "/keys"));
    }

    [Fact]
    public async Task The_session_is_available_and_its_id_stable_across_requests()
    {
        var (app, browser) = await StartAsync();
        await using var _ = app;
        using var client = browser();
        await GetAsync(client, "/string/set?value=a");

        var first = await GetAsync(client, "/id");
        var second = await GetAsync(client, "/id");

        Assert.StartsWith("True:", first, StringComparison.Ordinal);
        Assert.True(first.Length > "True:".Length);
        Assert.Equal(first, second);
    }

    [Fact]
    public async Task TempData_is_kept_until_it_is_read_once()
    {
        var (app, browser) = await StartAsync();
        await using var _ = app;
        using var client = browser();

        await GetAsync(client, "/flash/set?message=saved!");

        Assert.Equal("saved!", await GetAsync(client, "/flash/get"));
        Assert.Equal("(none)", await GetAsync(client, "/flash/get"));
    }

    [Fact]
    public async Task Two_browsers_have_separate_sessions()
    {
        var (app, browser) = await StartAsync();
        await using var _ = app;
        using var alice = browser();
        using var bob = browser();

        await GetAsync(alice, "/string/set?value=alice");
        await GetAsync(bob, "/string/set?value=bob");

        Assert.Equal("alice", await GetAsync(alice, "/string/get"));
        Assert.Equal("bob", await GetAsync(bob, "/string/get"));
    }

    /// <summary>Keeps cookies like a browser, for a handler that does not.</summary>
    private sealed class CookieHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        private readonly CookieContainer _cookies = new();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var header = _cookies.GetCookieHeader(request.RequestUri!);
            if (header.Length > 0)
            {
                request.Headers.Add("Cookie", header);
            }

            var response = await base.SendAsync(request, cancellationToken);
            if (response.Headers.TryGetValues("Set-Cookie", out var lines))
            {
                foreach (var line in lines)
                {
                    _cookies.SetCookies(request.RequestUri!, line);
                }
            }

            return response;
        }
    }
}
