using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using StackExchange.Redis;
using Tessera;

// One server of the HTTP load test (bench/http/run.sh), on 127.0.0.1 only:
//   Tessera.Bench.Servers <variant> <port> [redis host:port] [sqlite file]
// Variants: kestrel (no sessions), tessera-memory, tessera-sqlite, tessera-redis,
// tessera-redis-touchafter (TesseraOptions.TouchAfter = 1 min), aspnet-memory
// (Microsoft.AspNetCore.Session on the distributed memory cache), aspnet-redis, and redis-floor:
// bare Kestrel making only the Redis round trips a session needs (new: SET key value EX ttl;
// rmw: GET + SET; read: GET), with no signing and no JSON, the floor of any Redis session store.
// Endpoints: /new (new visitor: one value set, session saved), /rmw (the counter incremented),
// /read (the counter read), /health (no session work).
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: Tessera.Bench.Servers <variant> <port> [redis host:port] [sqlite file]");
    return 2;
}

var variant = args[0];
var port = int.Parse(args[1], CultureInfo.InvariantCulture);
var redis = args.Length > 2 ? args[2] : "127.0.0.1:6379";
var sqlite = args.Length > 3 ? args[3] : Path.Combine(Path.GetTempPath(), "tessera-bench.db");
var lifetime = TimeSpan.FromHours(1);

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));

void AddTessera(Action<TesseraBuilder> store, TimeSpan? touchAfter = null)
{
    store(builder.Services.AddTessera(o =>
    {
        o.Secrets = ["keyboard cat"];
        o.Cookie.MaxAge = lifetime;
        o.TouchAfter = touchAfter;
    }));
}

void AddAspNetSession()
{
    builder.Services.AddDataProtection().UseEphemeralDataProtectionProvider();
    builder.Services.AddSession(o => o.IdleTimeout = lifetime);
}

switch (variant)
{
    case "kestrel":
        break;
    case "tessera-memory":
        AddTessera(_ => { });
        break;
    case "tessera-sqlite":
        AddTessera(t => t.AddSqliteStore(sqlite));
        break;
    case "tessera-redis":
        AddTessera(t => t.AddRedisStore(redis));
        break;
    case "tessera-redis-touchafter":
        AddTessera(t => t.AddRedisStore(redis), touchAfter: TimeSpan.FromMinutes(1));
        break;
    case "redis-floor":
        break;
    case "aspnet-memory":
        builder.Services.AddDistributedMemoryCache();
        AddAspNetSession();
        break;
    case "aspnet-redis":
        builder.Services.AddStackExchangeRedisCache(o => o.Configuration = redis);
        AddAspNetSession();
        break;
    default:
        Console.Error.WriteLine($"unknown variant {variant}");
        return 2;
}

var app = builder.Build();
app.MapGet("/health", (RequestDelegate)(context => Respond(context, 0)));

if (variant.StartsWith("tessera-", StringComparison.Ordinal))
{
    app.UseTessera();
    app.MapGet("/new", (RequestDelegate)(context =>
    {
        context.GetSession().Set("views", 1);
        return Respond(context, 1);
    }));
    app.MapGet("/rmw", (RequestDelegate)(context =>
    {
        var session = context.GetSession();
        var views = session.Get<int>("views") + 1;
        session.Set("views", views);
        return Respond(context, views);
    }));
    app.MapGet("/read", (RequestDelegate)(context => Respond(context, context.GetSession().Get<int>("views"))));
}
else if (variant.StartsWith("aspnet-", StringComparison.Ordinal))
{
    app.UseSession();
    app.MapGet("/new", (RequestDelegate)(async context =>
    {
        var session = context.Session;
        await session.LoadAsync();
        session.SetInt32("views", 1);
        await Respond(context, 1);
    }));
    app.MapGet("/rmw", (RequestDelegate)(async context =>
    {
        var session = context.Session;
        await session.LoadAsync();
        var views = (session.GetInt32("views") ?? 0) + 1;
        session.SetInt32("views", views);
        await Respond(context, views);
    }));
    app.MapGet("/read", (RequestDelegate)(async context =>
    {
        var session = context.Session;
        await session.LoadAsync();
        await Respond(context, session.GetInt32("views") ?? 0);
    }));
}
else if (variant == "redis-floor")
{
    var database = (await ConnectionMultiplexer.ConnectAsync(redis)).GetDatabase();
    var ttl = lifetime;
    app.MapGet("/new", (RequestDelegate)(async context =>
    {
        var id = RedisFloor.NewId();
        await database.StringSetAsync(RedisFloor.Key(id), RedisFloor.Document(1), ttl);
        context.Response.Headers.SetCookie = RedisFloor.SetCookie(id);
        await Respond(context, 1);
    }));
    app.MapGet("/rmw", (RequestDelegate)(async context =>
    {
        var key = RedisFloor.Key(context);
        var views = RedisFloor.Views(await database.StringGetAsync(key)) + 1;
        await database.StringSetAsync(key, RedisFloor.Document(views), ttl);
        await Respond(context, views);
    }));
    app.MapGet("/read", (RequestDelegate)(async context =>
        await Respond(context, RedisFloor.Views(await database.StringGetAsync(RedisFloor.Key(context))))));
}
else
{
    // The same handler without sessions.
    app.MapGet("/new", (RequestDelegate)(context => Respond(context, 1)));
    app.MapGet("/rmw", (RequestDelegate)(context => Respond(context, 1)));
    app.MapGet("/read", (RequestDelegate)(context => Respond(context, 1)));
}

await app.RunAsync();
return 0;

static Task Respond(HttpContext context, int views)
{
    var text = "views: " + views.ToString(CultureInfo.InvariantCulture);
    context.Response.ContentType = "text/plain; charset=utf-8";
    context.Response.ContentLength = text.Length;
    return context.Response.WriteAsync(text);
}

/// <summary>
/// The Redis floor's stand-ins for a session store's work: a random ID, a cookie of the size of a
/// signed express-session cookie (not signed, not verified), and a document of the size of
/// express-session's (the counter found by a byte search, not parsed as JSON).
/// </summary>
internal static class RedisFloor
{
    private const string CookiePrefix = "connect.sid=s%3A";

    // The counter's place in the document: {"cookie":{...},"views":N}.
    private static readonly byte[] ViewsMarker = "\"views\":"u8.ToArray();

    public static string NewId() => Base64Url(RandomNumberGenerator.GetBytes(24));

    public static RedisKey Key(string id) => "sess:" + id;

    /// <summary>The key of the request's cookie: the ID between <c>s%3A</c> and the dot.</summary>
    public static RedisKey Key(HttpContext context)
    {
        var cookie = context.Request.Headers.Cookie.ToString();
        var start = cookie.IndexOf(CookiePrefix, StringComparison.Ordinal) + CookiePrefix.Length;
        var end = cookie.IndexOf('.', start);
        return Key(cookie[start..end]);
    }

    public static string SetCookie(string id) =>
        CookiePrefix + id + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA; Path=/; Expires=Thu, 01 Jan 2099 00:00:00 GMT; HttpOnly";

    public static RedisValue Document(int views) =>
        "{\"cookie\":{\"originalMaxAge\":3600000,\"expires\":\"2099-01-01T00:00:00.000Z\",\"httpOnly\":true,\"path\":\"/\"},\"views\":"
        + views.ToString(CultureInfo.InvariantCulture) + "}";

    public static int Views(RedisValue document)
    {
        if (document.IsNull)
        {
            return 0;
        }

        var bytes = ((ReadOnlyMemory<byte>)document).Span;
        var at = bytes.IndexOf(ViewsMarker) + ViewsMarker.Length;
        var views = 0;
        for (; at < bytes.Length && bytes[at] is >= (byte)'0' and <= (byte)'9'; at++)
        {
            views = (views * 10) + (bytes[at] - '0');
        }

        return views;
    }

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
