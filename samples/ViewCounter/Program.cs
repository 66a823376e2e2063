using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Mvc;
using Tessera;

var builder = WebApplication.CreateBuilder(args);
builder.WebHost.UseUrls(builder.Configuration["urls"] ?? "http://localhost:5000");

// Options come from configuration (AddTessera binds the "Tessera" section: appsettings.json,
// environment variables such as Tessera__Secrets__0, or --Tessera:Secrets:0=...), then from code.
var tessera = builder.Services.AddTessera(options =>
{
    if (options.Secrets.Count == 0)
    {
        options.Secrets = ["keyboard cat"];
    }

    options.Cookie.MaxAge ??= TimeSpan.FromMinutes(1);
    options.Cookie.SameSite ??= SameSiteMode.Lax;
    options.RecordUserAgent = true; // shown on the account page's list of sessions
});
builder.Services.AddAntiforgery();

// The store, from Tessera:Store: "sqlite" (the default: a file, so counts survive a restart),
// "memory", "redis:<StackExchange.Redis configuration>", or "postgres:<Npgsql connection string>"
// (connect-pg-simple's table "session", shared with a Node.js app on express-session).
var store = builder.Configuration["Tessera:Store"] is { Length: > 0 } configured ? configured.Trim() : "sqlite";
if (store.Equals("sqlite", StringComparison.OrdinalIgnoreCase))
{
    var path = builder.Configuration["Tessera:SqlitePath"] is { Length: > 0 } configuredPath
        ? Path.GetFullPath(configuredPath, builder.Environment.ContentRootPath)
        : Path.Combine(builder.Environment.ContentRootPath, "sessions.db");
    tessera.AddSqliteStore(path);
}
else if (store.Equals("memory", StringComparison.OrdinalIgnoreCase))
{
    tessera.AddMemoryStore();
}
else if (store.StartsWith("redis:", StringComparison.OrdinalIgnoreCase))
{
    var redis = store["redis:".Length..].Trim();
    if (redis.Length == 0)
    {
        throw new InvalidOperationException("Tessera:Store is 'redis:' without a configuration: write one after the colon, for example redis:localhost:6379.");
    }

    tessera.AddRedisStore(redis);
}
else if (store.StartsWith("postgres:", StringComparison.OrdinalIgnoreCase))
{
    var connectionString = store["postgres:".Length..].Trim();
    if (connectionString.Length == 0)
    {
        throw new InvalidOperationException(
            "Tessera:Store is 'postgres:' without a connection string: write one after the colon, for example postgres:Host=localhost;Database=app;Username=app.");
    }

    tessera.AddPostgresStore(connectionString);
}
else
{
    throw new InvalidOperationException(
        $"Tessera:Store is '{store}', which is not a store. Use 'sqlite' (the default; the file is Tessera:SqlitePath, "
        + "sessions.db in the content root unless set), 'memory', 'redis:<configuration>' (for example redis:localhost:6379), "
        + "or 'postgres:<connection string>' (for example postgres:Host=localhost;Database=app;Username=app).");
}

var app = builder.Build();
app.UseTessera();
app.UseAntiforgery();

// The express-session README's view counter: counts views and shows the time left.
app.MapGet("/", (Session session) =>
{
    var views = session.Get<int>("views") + 1;
    session.Set("views", views);
    var left = session.Cookie.MaxAge is { } maxAge ? $"{maxAge.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s" : "until the browser closes";
    return Results.Content(Page($"You have viewed this page <strong id=\"views\">{views}</strong> time{(views == 1 ? "" : "s")}.",
        $"The session expires in <strong id=\"expires\">{left}</strong>."), "text/html; charset=utf-8");
});

// The README's per-path counter: each path has its own count in the same session.
app.MapGet("/{path:regex(^(foo|bar)$)}", (string path, HttpContext context, Session session) =>
{
    var counts = session.Get<Dictionary<string, int>>("pathViews") is { } existing && existing.Count > 0
        ? existing
        : new Dictionary<string, int>(StringComparer.Ordinal);
    var key = "/" + path;
    counts[key] = counts.GetValueOrDefault(key) + 1;
    session.Set("pathViews", counts);
    return Results.Content(Page($"You have viewed <code>{WebUtility.HtmlEncode(key)}</code> <strong id=\"views\">{counts[key]}</strong> time{(counts[key] == 1 ? "" : "s")}."),
        "text/html; charset=utf-8");
});

// Sign in with a name: the session gets a new ID (the defence against session fixation) and a user.
app.MapGet("/login", (HttpContext context, IAntiforgery antiforgery, Session session) => session.UserId is not null
    ? Results.Redirect("/account")
    : Html(Page(
        """
        <form method="post" action="/login">
          <label>Your name <input id="name" name="name" required maxlength="40" autofocus></label>
          <button id="sign-in" type="submit">Sign in</button>
        """ + AntiforgeryField(context, antiforgery) + "</form>")));

app.MapPost("/login", async ([FromForm] string name, Session session) =>
{
    name = name.Trim();
    if (name.Length is 0 or > 40)
    {
        return Results.Redirect("/login");
    }

    await session.RenewIdAsync();
    session.UserId = name;
    return Results.Redirect("/account");
});

// The signed-in user's sessions, with a button that signs out all the others.
app.MapGet("/account", async (HttpContext context, IAntiforgery antiforgery, Session session, SessionIndex index) =>
{
    if (session.UserId is not { } user)
    {
        return Results.Redirect("/login");
    }

    var rows = (await index.ListAsync(user, session)).Select(s =>
        $"""<tr class="session{(s.IsCurrent ? " current" : "")}"><td>{WebUtility.HtmlEncode(s.UserAgent ?? "unknown browser")}{(s.IsCurrent ? " <em>(this one)</em>" : "")}</td>"""
        + $"<td>{s.Created?.ToString("u", CultureInfo.InvariantCulture)}</td><td>{s.LastSeen?.ToString("u", CultureInfo.InvariantCulture)}</td></tr>");
    var token = AntiforgeryField(context, antiforgery);
    return Html(Page(
        $"Signed in as <strong id=\"user\">{WebUtility.HtmlEncode(user)}</strong>.",
        $"""
        <table id="sessions"><tr><th>Browser</th><th>Signed in</th><th>Last seen</th></tr>{string.Concat(rows)}</table>
        """,
        $"""<form method="post" action="/account/sign-out-others">{token}<button id="sign-out-others" type="submit">Sign out other sessions</button></form>""",
        $"""<form method="post" action="/logout">{token}<button id="sign-out" type="submit">Sign out</button></form>"""));
});

app.MapPost("/account/sign-out-others", async (Session session, SessionIndex index) =>
{
    if (session.UserId is not null)
    {
        await index.DestroyOthersAsync(session);
    }

    return Results.Redirect("/account");
});

app.MapPost("/logout", async (Session session) =>
{
    await session.DestroyAsync();
    return Results.Redirect("/");
});

app.Run();

static IResult Html(string page) => Results.Content(page, "text/html; charset=utf-8");

static string AntiforgeryField(HttpContext context, IAntiforgery antiforgery)
{
    var tokens = antiforgery.GetAndStoreTokens(context);
    return $"""<input type="hidden" name="{tokens.FormFieldName}" value="{tokens.RequestToken}">""";
}

static string Page(params string[] paragraphs) => $$"""
    <!doctype html>
    <html lang="en">
    <head>
      <meta charset="utf-8">
      <title>Tessera view counter</title>
      <style>
        body { font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto; line-height: 1.5; color: #222; }
        nav a { margin-right: 1rem; }
        strong { color: #0b6; }
        table { border-collapse: collapse; margin: 1rem 0; }
        td, th { border-bottom: 1px solid #ddd; padding: .3rem .6rem; text-align: left; font-size: .9rem; }
        tr.current { background: #f3fbf6; }
        form { display: inline-block; margin-right: 1rem; }
      </style>
    </head>
    <body>
      <h1>Tessera view counter</h1>
      {{string.Join("\n  ", paragraphs.Select(p => $"<p>{p}</p>"))}}
      <nav><a href="/">/</a><a href="/foo">/foo</a><a href="/bar">/bar</a><a href="/account">account</a></nav>
    </body>
    </html>
    """;
