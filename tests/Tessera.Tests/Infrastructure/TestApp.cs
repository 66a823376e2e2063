using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Tessera.StoreConformance;

namespace Tessera.Tests.Infrastructure;

/// <summary>
/// A TestServer with Tessera in front of one handler, express-session's test harness in C#:
/// the options default to secret "keyboard cat" and a one-minute MaxAge unless the test sets them.
/// </summary>
internal sealed class TestApp : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestApp(WebApplication app, FakeTimeProvider time, ISessionStore store)
    {
        _app = app;
        Time = time;
        Store = store;
        Client = app.GetTestClient();
    }

    public HttpClient Client { get; }

    /// <summary>The server, for requests whose raw headers HttpClient would not send.</summary>
    public TestServer Server => _app.GetTestServer();

    public FakeTimeProvider Time { get; }

    public ISessionStore Store { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>Starts an app whose endpoint for every path is <paramref name="handler"/>.</summary>
    public static async Task<TestApp> StartAsync(
        Action<TesseraOptions>? configure,
        RequestDelegate? handler = null,
        Action<IApplicationBuilder>? before = null,
        ISessionStore? store = null,
        FakeTimeProvider? time = null,
        Action<IServiceCollection>? services = null)
    {
        time ??= new FakeTimeProvider(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));
        store ??= new MemoryStore(timeProvider: time);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddSingleton<TimeProvider>(time);

        // The tests' log recorders see every level; other providers keep their defaults.
        builder.Logging.AddFilter<LogSink>(null, LogLevel.Trace).AddFilter<LeakRecorder>(null, LogLevel.Trace);
        builder.Services.AddTessera(o =>
        {
            o.Secrets = ["keyboard cat"];
            o.Cookie.MaxAge = TimeSpan.FromMinutes(1);
            configure?.Invoke(o);
        }).UseStore(store);
        services?.Invoke(builder.Services);
        var app = builder.Build();
        before?.Invoke(app);
        app.UseTessera();
        app.Run(handler ?? (_ => Task.CompletedTask));
        await app.StartAsync();
        return new TestApp(app, time, store);
    }

    /// <summary>Starts an app on a <see cref="CountingStore"/> that shares the app's fake clock (<see cref="Store"/>).</summary>
    public static Task<TestApp> StartCountingAsync(Action<TesseraOptions>? configure, RequestDelegate? handler = null)
    {
        var time = ExpressHarness.NewClock();
        return StartAsync(configure, handler, store: new CountingStore(time), time: time);
    }

    public Task<HttpResponseMessage> GetAsync(string path = "/", string? cookie = null) =>
        SendAsync(HttpMethod.Get, path, cookie);

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? cookie = null, Action<HttpRequestMessage>? configure = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (cookie is not null)
        {
            request.Headers.TryAddWithoutValidation("Cookie", cookie);
        }

        configure?.Invoke(request);
        return await Client.SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.DisposeAsync();
    }
}
