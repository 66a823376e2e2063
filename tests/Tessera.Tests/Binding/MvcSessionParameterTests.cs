using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Tessera.Tests.Infrastructure;

namespace Tessera.Tests.Binding;

/// <summary>A <see cref="Session"/> parameter of a controller action binds without [FromServices].</summary>
public sealed class MvcSessionParameterTests
{
    private static async Task<(WebApplication App, HttpClient Client, ErrorSink Errors)> StartAsync(NotReadyStore store)
    {
        var errors = new ErrorSink();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddTessera(o =>
        {
            o.Secrets = ["keyboard cat"];
            o.StoreFailure = StoreFailure.ContinueWithoutSession;
        }).UseStore(store);
        builder.Services.AddControllers().AddApplicationPart(typeof(SessionController).Assembly);
        var app = builder.Build();
        errors.Install(app);
        app.UseTessera();
        app.MapControllers();
        await app.StartAsync();
        return (app, app.GetTestClient(), errors);
    }

    [Fact]
    public async Task A_controller_action_gets_the_request_session_as_a_parameter_and_its_changes_are_saved()
    {
        using var store = new NotReadyStore { IsReady = true };
        var (app, client, _) = await StartAsync(store);
        await using var _ = app;

        var first = await client.GetAsync("/mvc/count");
        using var second = new HttpRequestMessage(HttpMethod.Get, "/mvc/count");
        second.Headers.Add("Cookie", first.Headers.GetValues("Set-Cookie").First().Split(';')[0]);

        Assert.Equal("views: 1", await first.Content.ReadAsStringAsync());
        Assert.Equal("views: 2", await (await client.SendAsync(second)).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_ApiController_does_not_read_a_Session_parameter_from_the_body()
    {
        using var store = new NotReadyStore { IsReady = true };
        var (app, client, _) = await StartAsync(store);
        await using var _ = app;

        using var content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
        var response = await client.PostAsync("/mvc/nullable", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("session, new: True", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_nullable_Session_action_parameter_is_null_when_the_store_is_not_ready_under_ContinueWithoutSession()
    {
        using var store = new NotReadyStore { IsReady = false };
        var (app, client, _) = await StartAsync(store);
        await using var _ = app;

        var response = await client.PostAsync("/mvc/nullable", content: null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no session", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_non_nullable_Session_action_parameter_without_a_session_fails_with_an_InvalidOperationException()
    {
        using var store = new NotReadyStore { IsReady = false };
        var (app, client, errors) = await StartAsync(store);
        await using var _ = app;

        var response = await client.GetAsync("/mvc/required");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var error = Assert.IsType<InvalidOperationException>(Assert.Single(errors.Errors));
        Assert.Contains("is unavailable", error.Message, StringComparison.Ordinal);
    }
}
