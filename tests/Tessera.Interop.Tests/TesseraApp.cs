using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Tessera.Interop.Tests;

/// <summary>
/// The Tessera side: an ASP.NET Core app on Kestrel (127.0.0.1, a free port) with the Redis or PostgreSQL store,
/// serving the same endpoints as tests/interop/app.js, plus typed ones and <c>POST /signin</c>
/// ({userId}: sets <see cref="Session.UserId"/>), <c>POST /increment</c> ({key}: as app.js's) and <c>GET /whoami</c> ({id, userId}).
/// </summary>
internal sealed class TesseraApp : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TesseraApp(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>The app's base address, <c>http://127.0.0.1:port/</c>.</summary>
    public Uri Address { get; }

    /// <summary>Starts the app on Kestrel.</summary>
    /// <param name="redisConfiguration">The Redis server.</param>
    /// <param name="secrets">The secrets: the first signs, all verify.</param>
    /// <param name="cookieName">The cookie's name.</param>
    /// <param name="maxAge">The cookie's maxAge.</param>
    /// <param name="rolling">The Rolling option.</param>
    public static Task<TesseraApp> StartAsync(string redisConfiguration, IReadOnlyList<string> secrets, string cookieName, TimeSpan maxAge, bool rolling = false) =>
        StartAsync(tessera => tessera.AddRedisStore(redisConfiguration), secrets, cookieName, maxAge, rolling);

    /// <summary>Starts the app on Kestrel.</summary>
    /// <param name="store">Chooses the store.</param>
    /// <param name="secrets">The secrets: the first signs, all verify.</param>
    /// <param name="cookieName">The cookie's name.</param>
    /// <param name="maxAge">The cookie's maxAge.</param>
    /// <param name="rolling">The Rolling option.</param>
    public static async Task<TesseraApp> StartAsync(Action<TesseraBuilder> store, IReadOnlyList<string> secrets, string cookieName, TimeSpan maxAge, bool rolling = false)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        store(builder.Services.AddTessera(o =>
        {
            o.Secrets = [.. secrets];
            o.Name = cookieName;
            o.Cookie.MaxAge = maxAge;
            o.Rolling = rolling;
        }));

        var app = builder.Build();
        app.UseTessera();
        MapEndpoints(app);
        await app.StartAsync();

        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new TesseraApp(app, new Uri(address.TrimEnd('/') + "/"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static void MapEndpoints(WebApplication app)
    {
        app.MapGet("/id", (Session session) => Results.Json(new { id = session.Id }));

        app.MapGet("/get", (Session session) => View(session));

        app.MapPost("/set", async (HttpRequest request, Session session) =>
        {
            Merge(session, await BodyAsync(request));
            return View(session);
        });

        app.MapPost("/set-date", async (HttpRequest request, Session session) =>
        {
            foreach (var property in (await BodyAsync(request)).EnumerateObject())
            {
                session.Set(property.Name, DateTimeOffset.Parse(property.Value.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind));
            }

            return View(session);
        });

        app.MapGet("/date", (string key, Session session) =>
            Results.Json(new { iso = session.TryGet<DateTimeOffset>(key, out var date) ? Iso(date) : null }));

        app.MapPost("/destroy", async (Session session, CancellationToken cancellationToken) =>
        {
            var id = session.Id;
            await session.DestroyAsync(cancellationToken);
            return Results.Json(new { destroyed = id });
        });

        app.MapPost("/regenerate", async (HttpRequest request, Session session, CancellationToken cancellationToken) =>
        {
            var body = await BodyAsync(request);
            await session.RegenerateAsync(cancellationToken);
            Merge(session, body);
            return View(session);
        });

        // Tessera's own metadata (_tessera in the stored document): the signed-in user.
        app.MapPost("/signin", async (HttpRequest request, Session session) =>
        {
            session.UserId = (await BodyAsync(request)).GetProperty("userId").GetString();
            return View(session);
        });

        app.MapPost("/increment", async (HttpRequest request, Session session) =>
        {
            var key = (await BodyAsync(request)).GetProperty("key").GetString()!;
            session.Set(key, session.Get<int>(key) + 1);
            return View(session);
        });

        app.MapGet("/whoami", (Session session) => Results.Json(new { id = session.Id, userId = session.UserId }));

        // Typed values: a record written with Set<T> and read with Get<T>.
        app.MapPost("/profile", (Profile profile, Session session) =>
        {
            session.Set("profile", profile);
            return View(session);
        });

        app.MapGet("/profile", (Session session) => Results.Json(session.Get<Profile>("profile")));
    }

    /// <summary>The session's ID and values (without the cookie), as app.js's <c>{id, values}</c>.</summary>
    private static IResult View(Session session)
    {
        var values = new JsonObject();
        foreach (var key in session.Keys)
        {
            values[key] = session.Get<JsonNode>(key);
        }

        return Results.Json(new JsonObject { ["id"] = session.Id, ["values"] = values });
    }

    private static void Merge(Session session, JsonElement body)
    {
        foreach (var property in body.EnumerateObject())
        {
            if (property.Name != "cookie")
            {
                session.Set(property.Name, property.Value);
            }
        }
    }

    private static async Task<JsonElement> BodyAsync(HttpRequest request)
    {
        using var document = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
        return document.RootElement.Clone();
    }

    private static string Iso(DateTimeOffset date) =>
        date.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
