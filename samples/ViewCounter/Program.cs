using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Mvc;
using Tessera;

var builder = WebApplication.CreateBuilder(args);
builder.WebHost.UseUrls(builder.Configuration["urls"] ?? "http://localhost:5000");

// Options come from configuration (AddTessera binds the "Tessera" section: appsettings.json,
// environment variables such as Tessera__Secrets__0, or --Tessera:Secrets:0=...), then from code.
// The README's "keyboard cat" secret is for Development only: anywhere else, anyone who read the
// README could sign cookies, so the secret must come from configuration.
var secretConfigured = builder.Configuration.GetSection("Tessera:Secrets").GetChildren().Any(s => !string.IsNullOrEmpty(s.Value));
if (!secretConfigured && !builder.Environment.IsDevelopment())
{
    throw new InvalidOperationException(
        $"Tessera:Secrets is not set, and the environment is {builder.Environment.EnvironmentName}: outside Development the sample "
        + "signs its cookies only with a secret of your own. Set it in configuration, for example the environment variable "
        + "Tessera__Secrets__0, the argument --Tessera:Secrets:0=<secret>, or \"Tessera\": { \"Secrets\": [\"<secret>\"] } in appsettings.json.");
}

var tessera = builder.Services.AddTessera(options =>
{
    if (options.Secrets.Count == 0 && builder.Environment.IsDevelopment())
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
    var account = session.UserId is { } user
        ? P($"""Signed in as <strong id="user">{WebUtility.HtmlEncode(user)}</strong>: <a id="account" href="/account">your account</a>.""")
        : P("""<a id="sign-in-link" class="button" href="/login">Sign in</a> to see your sessions on every device.""");
    return Html(Page(
        P($"You have viewed this page <strong id=\"views\">{views}</strong> {Plural(views, "time", "times")}."),
        P($"The session expires in <strong id=\"expires\">{left}</strong>."),
        account));
});

// The README's per-path counter: each path has its own count in the same session.
app.MapGet("/{path:regex(^(foo|bar)$)}", (string path, Session session) =>
{
    var counts = session.Get<Dictionary<string, int>>("pathViews") is { } existing && existing.Count > 0
        ? existing
        : new Dictionary<string, int>(StringComparer.Ordinal);
    var key = "/" + path;
    counts[key] = counts.GetValueOrDefault(key) + 1;
    session.Set("pathViews", counts);
    return Html(Page(P($"You have viewed <code>{WebUtility.HtmlEncode(key)}</code> <strong id=\"views\">{counts[key]}</strong> {Plural(counts[key], "time", "times")}.")));
});

// Sign in with a name: the session gets a new ID (the defence against session fixation) and a user.
app.MapGet("/login", (HttpContext context, IAntiforgery antiforgery, Session session) => session.UserId is not null
    ? Results.Redirect("/account")
    : Html(Page(
        $"""
        <form method="post" action="/login">
          {AntiforgeryField(context, antiforgery)}
          <label>Your name <input id="name" name="name" required maxlength="40" autofocus></label>
          <button id="sign-in" type="submit">Sign in</button>
        </form>
        """)));

// A form field binds here, so ASP.NET Core validates the antiforgery token of this POST itself.
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

// The signed-in user's sessions, with buttons that sign out all the others, or this one.
app.MapGet("/account", async (HttpContext context, IAntiforgery antiforgery, Session session, SessionIndex index) =>
{
    if (session.UserId is not { } user)
    {
        return Results.Redirect("/login");
    }

    var notice = session.Get<string>("notice");
    session.Remove("notice");
    var rows = (await index.ListAsync(user, session)).Select(s =>
        $"""<tr class="session{(s.IsCurrent ? " current" : "")}"><td>{WebUtility.HtmlEncode(UserAgentDescription.Describe(s.UserAgent))}{(s.IsCurrent ? " <em>(this one)</em>" : "")}</td>"""
        + $"<td>{s.Created?.ToString("u", CultureInfo.InvariantCulture)}</td><td>{s.LastSeen?.ToString("u", CultureInfo.InvariantCulture)}</td></tr>");
    var token = AntiforgeryField(context, antiforgery);
    return Html(Page(
        notice is null ? "" : $"""<p id="notice" class="notice" role="status">{WebUtility.HtmlEncode(notice)}</p>""",
        P($"Signed in as <strong id=\"user\">{WebUtility.HtmlEncode(user)}</strong>."),
        $"""<table id="sessions"><tr><th>Browser</th><th>Signed in</th><th>Last seen</th></tr>{string.Concat(rows)}</table>""",
        $"""
        <div class="actions">
          <form method="post" action="/account/sign-out-others">{token}<button id="sign-out-others" type="submit">Sign out other sessions</button></form>
          <form method="post" action="/logout">{token}<button id="sign-out" class="secondary" type="submit">Sign out</button></form>
        </div>
        """));
});

// These two POSTs bind no form field, so they ask for the antiforgery check themselves: a
// cross-site form without the token is rejected (400) before anything is destroyed.
app.MapPost("/account/sign-out-others", async (Session session, SessionIndex index) =>
{
    if (session.UserId is null)
    {
        return Results.Redirect("/login");
    }

    var count = await index.DestroyOthersAsync(session);
    session.Set("notice", count == 0
        ? "There were no other sessions to sign out."
        : $"Signed out {count} other {Plural(count, "session", "sessions")}.");
    return Results.Redirect("/account");
}).AddEndpointFilter(RequireAntiforgeryToken);

app.MapPost("/logout", async (Session session) =>
{
    await session.DestroyAsync();
    return Results.Redirect("/signed-out");
}).AddEndpointFilter(RequireAntiforgeryToken);

app.MapGet("/signed-out", () => Html(Page(
    """<p id="notice" class="notice" role="status">You have signed out.</p>""",
    P("""<a id="sign-in-link" class="button" href="/login">Sign in again</a>"""))));

app.Run();

static async ValueTask<object?> RequireAntiforgeryToken(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
{
    var antiforgery = context.HttpContext.RequestServices.GetRequiredService<IAntiforgery>();
    if (!await antiforgery.IsRequestValidAsync(context.HttpContext))
    {
        return Results.Problem(
            statusCode: StatusCodes.Status400BadRequest,
            title: "The form's antiforgery token is missing or invalid.",
            detail: "Reload the page and submit the form again.");
    }

    return await next(context);
}

static IResult Html(string page) => Results.Content(page, "text/html; charset=utf-8");

static string AntiforgeryField(HttpContext context, IAntiforgery antiforgery)
{
    var tokens = antiforgery.GetAndStoreTokens(context);
    return $"""<input type="hidden" name="{tokens.FormFieldName}" value="{tokens.RequestToken}">""";
}

static string Plural(int count, string one, string many) => count == 1 ? one : many;

static string P(string content) => $"<p>{content}</p>";

static string Page(params string[] blocks) => $$"""
    <!doctype html>
    <html lang="en">
    <head>
      <meta charset="utf-8">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <title>Tessera view counter</title>
      <style>
        body { font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto; padding: 0 1rem; line-height: 1.5; color: #222; }
        nav { margin-top: 2rem; }
        nav a { margin-right: 1rem; }
        strong { color: #0b6; }
        table { border-collapse: collapse; margin: 1rem 0; width: 100%; }
        td, th { border-bottom: 1px solid #ddd; padding: .3rem .6rem; text-align: left; font-size: .9rem; }
        tr.current { background: #f3fbf6; }
        .notice { background: #eef6ff; border-left: 4px solid #369; padding: .5rem .8rem; }
        .actions { display: flex; flex-wrap: wrap; gap: .75rem; margin: 1rem 0; }
        form { margin: 0; }
        label { margin-right: .5rem; }
        input { font: inherit; padding: .35rem .5rem; border: 1px solid #bbb; border-radius: 4px; }
        button, a.button { font: inherit; display: inline-block; padding: .4rem 1rem; border: 1px solid #096; border-radius: 4px;
          background: #0b6; color: #fff; text-decoration: none; cursor: pointer; }
        button:hover, a.button:hover { background: #096; }
        button.secondary { background: #fff; color: #096; }
        button.secondary:hover { background: #f3fbf6; }
      </style>
    </head>
    <body>
      <h1>Tessera view counter</h1>
      {{string.Join("\n  ", blocks.Where(b => b.Length > 0))}}
      <nav><a href="/">/</a><a href="/foo">/foo</a><a href="/bar">/bar</a><a href="/account">account</a></nav>
    </body>
    </html>
    """;
