using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tessera;

namespace ViewCounter.BrowserTests;

/// <summary>
/// A small Kestrel app on a loopback port, in the test process, with Tessera's default memory
/// store on the real clock and the given idle timeout. <c>/set?value=...</c> stores a value in
/// the session; <c>/</c> only reads it (a read-only request) and shows it in <c>#value</c>, or
/// "none" in a session without it.
/// </summary>
internal sealed class IdleTimeoutServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private IdleTimeoutServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>The site's address, <c>http://127.0.0.1:port/</c>.</summary>
    public Uri Address { get; }

    public static async Task<IdleTimeoutServer> StartAsync(TimeSpan idleTimeout)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Production" });

        // Not the sample's appsettings.json, which sits in this folder too: its Tessera section
        // sets Cookie.MaxAge, the same setting as IdleTimeout.
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Services.AddTessera(options =>
        {
            options.Secrets = ["browser test secret"];
            options.IdleTimeout = idleTimeout;
        });

        var app = builder.Build();
        app.UseTessera();
        app.MapGet("/set", (HttpContext context, string value) =>
        {
            context.GetSession().Set("value", value);
            return Page(value);
        });
        app.MapGet("/", (HttpContext context) => Page(context.GetSession().Get<string>("value") ?? "none"));
        await app.StartAsync();

        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new IdleTimeoutServer(app, new Uri(address.EndsWith('/') ? address : address + "/"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static IResult Page(string value) =>
        Results.Content($"<!doctype html><title>Session</title><p id=\"value\">{WebUtility.HtmlEncode(value)}</p>", "text/html; charset=utf-8");
}
