using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Tessera.StoreConformance;

/// <summary>A Tessera app on Kestrel, on a free loopback port: real HTTP, real concurrency.</summary>
public sealed class KestrelSessionApp : IAsyncDisposable
{
    private readonly WebApplication _app;

    private KestrelSessionApp(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
        Client = new HttpClient(new SocketsHttpHandler { UseCookies = false, MaxConnectionsPerServer = 512 }) { BaseAddress = address };
    }

    /// <summary>The app's base address.</summary>
    public Uri Address { get; }

    /// <summary>A client that sends only the cookies a test gives it.</summary>
    public HttpClient Client { get; }

    /// <summary>The app's services, such as its <see cref="SessionIndex"/>.</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>Starts the app with the given store, options and endpoints.</summary>
    /// <param name="store">The session store.</param>
    /// <param name="configure">Sets Tessera's options (after the defaults: a secret and a ten-minute cookie).</param>
    /// <param name="endpoints">Maps the app's endpoints.</param>
    /// <param name="time">The app's clock; the system clock when null.</param>
    /// <param name="beforeSessions">Adds middleware that runs before Tessera's, such as an exception handler.</param>
    public static async Task<KestrelSessionApp> StartAsync(ISessionStore store, Action<TesseraOptions>? configure, Action<WebApplication> endpoints, TimeProvider? time = null, Action<WebApplication>? beforeSessions = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Logging.AddFilter<LeakRecorder>(null, LogLevel.Trace);
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        builder.Services.AddTessera(o =>
        {
            o.Secrets = ["keyboard cat"];
            o.Cookie.MaxAge = TimeSpan.FromMinutes(10);
            configure?.Invoke(o);
        }).UseStore(store);
        var app = builder.Build();
        beforeSessions?.Invoke(app);
        app.UseTessera();
        endpoints(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new KestrelSessionApp(app, new Uri(address));
    }

    /// <summary>Sends a GET with an optional Cookie header.</summary>
    public async Task<HttpResponseMessage> GetAsync(string path, string? cookie = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        return await Client.SendAsync(request);
    }

    /// <summary>Sends a GET with an optional Cookie header, as the browser <paramref name="userAgent"/>.</summary>
    public async Task<HttpResponseMessage> GetAsync(string path, string? cookie, string userAgent)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
        return await Client.SendAsync(request);
    }

    /// <summary>The <c>name=value</c> pair of the response's session cookie.</summary>
    public static string CookieOf(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var values)
            ? values.First().Split(';')[0]
            : throw new InvalidOperationException("The response set no cookie.");

    /// <summary>The session ID in a <c>connect.sid=s%3A…</c> pair.</summary>
    public static string SessionIdOf(string cookie)
    {
        var value = Uri.UnescapeDataString(cookie[(cookie.IndexOf('=', StringComparison.Ordinal) + 1)..]);
        return value[2..value.LastIndexOf('.')];
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
