using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Tessera.Tests.Infrastructure;

namespace Tessera.Tests.Middleware;

/// <summary>
/// Per-endpoint session behaviour: <c>[DisableSession]</c> / <c>.DisableSession()</c> and
/// <c>[ReadOnlySession]</c> / <c>.ReadOnlySession()</c>, honoured before any store call.
/// </summary>
public sealed class SessionModeSelectorTests : IAsyncDisposable
{
    private readonly CountingStore _store = new(TimeProvider.System);
    private WebApplication? _app;
    private HttpClient? _client;

    private HttpClient Client => _client!;

    public async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        ((IDisposable)_store.Inner).Dispose();
    }

    private async Task StartAsync(Action<WebApplication> endpoints, Action<TesseraOptions>? configure = null, bool explicitRouting = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddTessera(o =>
        {
            o.Secrets = ["keyboard cat"];
            o.Cookie.MaxAge = TimeSpan.FromMinutes(10);
            configure?.Invoke(o);
        }).UseStore(_store);
        builder.Services.AddControllers().AddApplicationPart(typeof(SessionModeController).Assembly);
        _app = builder.Build();
        if (explicitRouting)
        {
            _app.UseRouting();
        }

        _app.UseTessera();
        _app.MapGet("/write", (Session session) =>
        {
            session.Set("n", 1);
            return "written";
        });
        endpoints(_app);
        await _app.StartAsync();
        _client = _app.GetTestClient();
    }

    /// <summary>Stores a session with n = 1 and returns its cookie, with the store's counts reset.</summary>
    private async Task<string> SignInAsync()
    {
        var response = await Client.GetAsync("/write");
        var line = SetCookie.Require(response);
        _store.ResetCounts();
        return line.Split(';')[0];
    }

    private async Task<HttpResponseMessage> GetAsync(string path, string? cookie)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        return await Client.SendAsync(request);
    }

    private void AssertNoStoreCalls() =>
        Assert.Equal((0, 0, 0, 0), (_store.Gets, _store.Sets, _store.Touches, _store.Destroys));

    private static string Describe(HttpContext context)
    {
        try
        {
            context.GetSession();
            return "session";
        }
        catch (InvalidOperationException ex)
        {
            return $"available: {context.Session.IsAvailable}; {ex.Message}";
        }
    }

    [Fact]
    public async Task A_request_to_an_endpoint_with_DisableSession_makes_no_store_call_sets_no_cookie_and_has_no_session()
    {
        await StartAsync(app => app.MapGet("/health", (HttpContext context) => Describe(context)).DisableSession(), o => o.Rolling = true);
        var cookie = await SignInAsync();

        var response = await GetAsync("/health", cookie);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertNoStoreCalls();
        Assert.Empty(SetCookie.Lines(response));
        var body = await response.Content.ReadAsStringAsync();
        Assert.StartsWith("available: False; ", body, StringComparison.Ordinal);
        Assert.Contains("opted out of sessions ([DisableSession] or .DisableSession())", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_DisableSession_attribute_on_a_handler_opts_it_out()
    {
        await StartAsync(app => app.MapGet("/attribute", [DisableSession] (HttpContext context) => Describe(context)), o => o.SaveUninitialized = true);

        var response = await GetAsync("/attribute", cookie: null);

        Assert.Contains("opted out of sessions", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(SetCookie.Lines(response));
        AssertNoStoreCalls();
    }

    [Fact]
    public async Task DisableSession_on_a_route_group_opts_out_every_endpoint_in_it()
    {
        await StartAsync(app =>
        {
            var api = app.MapGroup("/api").DisableSession();
            api.MapGet("/a", (HttpContext context) => Describe(context));
        });
        var cookie = await SignInAsync();

        var response = await GetAsync("/api/a", cookie);

        Assert.Contains("opted out of sessions", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        AssertNoStoreCalls();
    }

    [Fact]
    public async Task A_Session_parameter_of_an_opted_out_endpoint_fails_with_a_message_naming_the_opt_out_and_a_nullable_one_is_null()
    {
        await StartAsync(app =>
        {
            app.MapGet("/nullable", (Session? session) => session is null ? "none" : "some").DisableSession();
            app.MapGet("/required", (Session session) => "some").DisableSession();
        });

        Assert.Equal("none", await (await GetAsync("/nullable", null)).Content.ReadAsStringAsync());
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => GetAsync("/required", null));
        Assert.Contains("opted out of sessions", error.Message, StringComparison.Ordinal);
        AssertNoStoreCalls();
    }

    [Fact]
    public async Task A_read_only_endpoint_reads_the_session_and_discards_its_changes_without_writing_touching_or_sending_a_cookie()
    {
        await StartAsync(
            app => app.MapGet("/peek", (Session session) =>
            {
                var n = session.Get<int>("n");
                session.Set("n", n + 100);
                return $"n = {n}";
            }).ReadOnlySession(),
            o => o.Rolling = true);
        var cookie = await SignInAsync();

        var response = await GetAsync("/peek", cookie);

        Assert.Equal("n = 1", await response.Content.ReadAsStringAsync());
        Assert.Equal((1, 0, 0, 0), (_store.Gets, _store.Sets, _store.Touches, _store.Destroys));
        Assert.Empty(SetCookie.Lines(response));

        // The change was discarded: the next read-only request still sees n = 1.
        Assert.Equal("n = 1", await (await GetAsync("/peek", cookie)).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_ReadOnlySession_attribute_makes_a_new_session_unsaved_even_with_SaveUninitialized()
    {
        await StartAsync(
            app => app.MapGet("/anonymous", [ReadOnlySession] (Session session) => $"new: {session.IsNew}"),
            o => o.SaveUninitialized = true);

        var response = await GetAsync("/anonymous", cookie: null);

        Assert.Equal("new: True", await response.Content.ReadAsStringAsync());
        Assert.Empty(SetCookie.Lines(response));
        AssertNoStoreCalls();
    }

    [Theory]
    [InlineData("save")]
    [InlineData("regenerate")]
    [InlineData("renew")]
    [InlineData("destroy")]
    public async Task A_read_only_session_refuses_the_methods_that_write_with_an_InvalidOperationException(string method)
    {
        await StartAsync(app => app.MapGet("/do/{method}", async (Session session, string method) =>
        {
            try
            {
                await (method switch
                {
                    "save" => session.SaveAsync(),
                    "regenerate" => session.RegenerateAsync(),
                    "renew" => session.RenewIdAsync(),
                    _ => session.DestroyAsync(),
                });
                return "done";
            }
            catch (InvalidOperationException ex)
            {
                return ex.Message;
            }
        }).ReadOnlySession());
        var cookie = await SignInAsync();

        var response = await GetAsync($"/do/{method}", cookie);

        Assert.Contains("this endpoint's session is read-only", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal((1, 0, 0, 0), (_store.Gets, _store.Sets, _store.Touches, _store.Destroys));
        Assert.Empty(SetCookie.Lines(response));
    }

    [Fact]
    public async Task DisableSession_wins_over_ReadOnlySession()
    {
        await StartAsync(app => app.MapGet("/both", (HttpContext context) => Describe(context)).ReadOnlySession().DisableSession());
        var cookie = await SignInAsync();

        var response = await GetAsync("/both", cookie);

        Assert.Contains("opted out of sessions", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        AssertNoStoreCalls();
    }

    [Fact]
    public async Task With_explicit_routing_before_UseTessera_the_endpoint_metadata_is_honoured()
    {
        await StartAsync(app => app.MapGet("/health", (HttpContext context) => Describe(context)).DisableSession(), explicitRouting: true);
        var cookie = await SignInAsync();

        var response = await GetAsync("/health", cookie);

        Assert.Contains("opted out of sessions", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        AssertNoStoreCalls();
    }

    [Fact]
    public async Task Attributes_on_a_controller_and_on_an_action_are_honoured()
    {
        await StartAsync(app => app.MapControllers(), o => o.Rolling = true);
        var cookie = await SignInAsync();

        var read = await GetAsync("/modes/read", cookie);
        Assert.Equal("new: False", await read.Content.ReadAsStringAsync());
        Assert.Empty(SetCookie.Lines(read));
        Assert.Equal((1, 0, 0), (_store.Gets, _store.Sets, _store.Touches));

        _store.ResetCounts();
        var none = await GetAsync("/modes/none", cookie);
        Assert.Equal("no session", await none.Content.ReadAsStringAsync());
        AssertNoStoreCalls();
    }

    [Fact]
    public async Task An_endpoint_without_metadata_keeps_the_ordinary_session()
    {
        await StartAsync(app => app.MapGet("/plain", (Session session) => $"n = {session.Get<int>("n")}"));
        var cookie = await SignInAsync();

        var response = await GetAsync("/plain", cookie);

        Assert.Equal("n = 1", await response.Content.ReadAsStringAsync());
        Assert.Equal(1, _store.Gets);
    }
}
