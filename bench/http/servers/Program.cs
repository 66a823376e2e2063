using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.DataProtection;
using Tessera;

// One server of the HTTP load test (bench/http/run.sh), on 127.0.0.1 only:
//   Tessera.Bench.Servers <variant> <port> [redis host:port] [sqlite file]
// Variants: kestrel (no sessions), tessera-memory, tessera-sqlite, tessera-redis,
// aspnet-memory (Microsoft.AspNetCore.Session on the distributed memory cache), aspnet-redis.
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

void AddTessera(Action<TesseraBuilder> store)
{
    store(builder.Services.AddTessera(o =>
    {
        o.Secrets = ["keyboard cat"];
        o.Cookie.MaxAge = lifetime;
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
