using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Tessera.Tests.Infrastructure;

namespace Tessera.Tests.Binding;

/// <summary>A <see cref="Session"/> minimal-API parameter: nullable means "maybe no session".</summary>
public sealed class MinimalApiSessionParameterTests
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
        var app = builder.Build();
        errors.Install(app);
        app.UseTessera();
        app.MapGet("/nullable", (Session? session) => session is null ? "no session" : $"session, new: {session.IsNew}");
        app.MapGet("/required", (Session session) => $"session, new: {session.IsNew}");
        await app.StartAsync();
        return (app, app.GetTestClient(), errors);
    }

    [Fact]
    public async Task A_nullable_Session_parameter_is_null_when_the_store_is_not_ready_under_ContinueWithoutSession()
    {
        using var store = new NotReadyStore { IsReady = false };
        var (app, client, _) = await StartAsync(store);
        await using var _ = app;

        var response = await client.GetAsync("/nullable");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no session", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_nullable_Session_parameter_is_the_session_when_there_is_one()
    {
        using var store = new NotReadyStore { IsReady = true };
        var (app, client, _) = await StartAsync(store);
        await using var _ = app;

        var response = await client.GetAsync("/nullable");

        Assert.Equal("session, new: True", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_non_nullable_Session_parameter_without_a_session_fails_with_an_InvalidOperationException_that_names_the_cause()
    {
        using var store = new NotReadyStore { IsReady = false };
        var (app, client, errors) = await StartAsync(store);
        await using var _ = app;

        var response = await client.GetAsync("/required");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var error = Assert.IsType<InvalidOperationException>(Assert.Single(errors.Errors));
        Assert.Contains("session store NotReadyStore is unavailable", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_non_nullable_Session_parameter_is_the_session_when_there_is_one()
    {
        using var store = new NotReadyStore { IsReady = true };
        var (app, client, _) = await StartAsync(store);
        await using var _ = app;

        var response = await client.GetAsync("/required");

        Assert.Equal("session, new: True", await response.Content.ReadAsStringAsync());
    }
}
