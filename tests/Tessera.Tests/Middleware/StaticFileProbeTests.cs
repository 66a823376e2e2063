using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Tessera.Tests.Infrastructure;

namespace Tessera.Tests.Middleware;

/// <summary>
/// A cookie-carrying request for a static asset makes zero store calls and gets no cookie,
/// whether it is served by <c>MapStaticAssets()</c> or <c>UseStaticFiles()</c>, before or after
/// <c>UseTessera()</c>.
/// </summary>
public sealed class StaticFileProbeTests : IAsyncDisposable
{
    private const string Css = "body{}\n";

    private readonly CountingStore _store = new(TimeProvider.System);
    private readonly string _root = Directory.CreateTempSubdirectory("tessera-static-").FullName;
    private WebApplication? _app;
    private HttpClient? _client;

    public StaticFileProbeTests()
    {
        var webRoot = Directory.CreateDirectory(Path.Combine(_root, "wwwroot")).FullName;
        File.WriteAllText(Path.Combine(webRoot, "app.css"), Css);
        File.WriteAllText(ManifestPath, $$"""
            {"Version":1,"ManifestType":"Build","Endpoints":[{"Route":"app.css","AssetFile":"app.css","Selectors":[],
            "ResponseHeaders":[{"Name":"Content-Length","Value":"{{Css.Length}}"},{"Name":"Content-Type","Value":"text/css"},
            {"Name":"ETag","Value":"\"b3Jk\""},{"Name":"Last-Modified","Value":"Mon, 30 Nov 2026 12:00:00 GMT"}],"EndpointProperties":[]}]}
            """);
    }

    public enum Order
    {
        Before,
        After,
    }

    private string WebRoot => Path.Combine(_root, "wwwroot");

    private string ManifestPath => Path.Combine(_root, "app.staticwebassets.endpoints.json");

    public async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        ((IDisposable)_store.Inner).Dispose();
        Directory.Delete(_root, recursive: true);
    }

    private async Task StartAsync(Action<WebApplication> before, Action<WebApplication> after)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = _root, WebRootPath = WebRoot });
        builder.WebHost.UseTestServer();
        builder.Services.AddTessera(o =>
        {
            o.Secrets = ["keyboard cat"];
            o.Cookie.MaxAge = TimeSpan.FromMinutes(10);
            o.Rolling = true;
            o.SaveUninitialized = true;
        }).UseStore(_store);
        _app = builder.Build();
        before(_app);
        _app.UseTessera();
        after(_app);
        _app.MapGet("/write", (Session session) =>
        {
            session.Set("n", 1);
            return "written";
        });
        await _app.StartAsync();
        _client = _app.GetTestClient();
    }

    private async Task<string> SignInAsync()
    {
        var line = SetCookie.Require(await _client!.GetAsync("/write"));
        _store.ResetCounts();
        return line.Split(';')[0];
    }

    private async Task AssertServedWithoutSessionAsync()
    {
        var cookie = await SignInAsync();
        foreach (var sent in new[] { cookie, null })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/app.css");
            if (sent is not null)
            {
                request.Headers.Add("Cookie", sent);
            }

            var response = await _client!.SendAsync(request);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(Css, await response.Content.ReadAsStringAsync());
            Assert.Empty(SetCookie.Lines(response));
            Assert.Equal((0, 0, 0, 0), (_store.Gets, _store.Sets, _store.Touches, _store.Destroys));
        }
    }

    [Theory]
    [InlineData(Order.Before)]
    [InlineData(Order.After)]
    public async Task An_asset_served_by_MapStaticAssets_makes_no_store_call_and_gets_no_cookie(Order order)
    {
        void Map(WebApplication app) => app.MapStaticAssets(ManifestPath);
        await StartAsync(order == Order.Before ? Map : _ => { }, order == Order.After ? Map : _ => { });

        await AssertServedWithoutSessionAsync();
    }

    [Theory]
    [InlineData(Order.Before)]
    [InlineData(Order.After)]
    public async Task A_file_served_by_UseStaticFiles_makes_no_store_call_and_gets_no_cookie(Order order)
    {
        void Use(WebApplication app) => app.UseStaticFiles();
        await StartAsync(order == Order.Before ? Use : _ => { }, order == Order.After ? Use : _ => { });

        await AssertServedWithoutSessionAsync();
    }

    [Fact]
    public async Task A_path_that_is_not_a_static_file_still_has_its_session_when_UseStaticFiles_comes_after()
    {
        await StartAsync(_ => { }, app => app.UseStaticFiles());
        var cookie = await SignInAsync();

        using var request = new HttpRequestMessage(HttpMethod.Get, "/missing.css");
        request.Headers.Add("Cookie", cookie);
        var response = await _client!.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(1, _store.Gets);
    }
}
