using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Tessera.Authentication.Tests;

/// <summary>
/// An application with real cookie authentication whose tickets Tessera keeps, on a TestServer:
/// sign in (a principal with many claims), who am I, sign out, and sign out everywhere.
/// </summary>
internal sealed class AuthApp : IAsyncDisposable
{
    public const string CookieName = "auth";

    /// <summary>How long a ticket lives; the cookie slides.</summary>
    public static readonly TimeSpan ExpireTimeSpan = TimeSpan.FromMinutes(20);

    private readonly WebApplication _app;
    private readonly TaskCompletionSource _clientGone;

    private AuthApp(WebApplication app, TaskCompletionSource clientGone)
    {
        _app = app;
        _clientGone = clientGone;
    }

    /// <summary>Completes when the app has seen the client of one of its requests go away (<see cref="HttpContext.RequestAborted"/>).</summary>
    public Task ClientGone => _clientGone.Task;

    public IServiceProvider Services => _app.Services;

    public ISessionStore Store => Services.GetRequiredService<IOptions<TesseraOptions>>().Value.Store ?? Services.GetRequiredService<ISessionStore>();

    public SessionIndex Index => Services.GetRequiredService<SessionIndex>();

    public CookieAuthenticationOptions CookieOptions =>
        Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(CookieAuthenticationDefaults.AuthenticationScheme);

    public TimeSpan StoreTimeout => Services.GetRequiredService<IOptions<TesseraOptions>>().Value.StoreTimeout;

    public bool HashIdsInStore => Services.GetRequiredService<IOptions<TesseraOptions>>().Value.HashIdsInStore;

    /// <summary>Starts the app on the store <paramref name="addStore"/> adds, seen through <paramref name="wrapStore"/> when given.</summary>
    public static async Task<AuthApp> StartAsync(Action<TesseraBuilder> addStore, TimeProvider time, bool hashIdsInStore = false, Func<ISessionStore, ISessionStore>? wrapStore = null, bool recordUserAgent = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddSingleton(time);
        var tessera = builder.Services.AddTessera(o =>
        {
            o.Secrets = ["keyboard cat"];
            o.HashIdsInStore = hashIdsInStore;
            o.RecordUserAgent = recordUserAgent;
        });
        addStore(tessera);
        if (wrapStore is not null)
        {
            builder.Services.AddOptions<TesseraOptions>().PostConfigure<ISessionStore>((o, store) => o.Store = wrapStore(store));
        }

        tessera.AddCookieAuthenticationTicketStore();
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(o =>
        {
            o.Cookie.Name = CookieName;
            o.ExpireTimeSpan = ExpireTimeSpan;
            o.SlidingExpiration = true;
            o.TimeProvider = time;
        });

        var app = builder.Build();
        var clientGone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        app.Use(async (context, next) =>
        {
            // Seen while the request runs, or when it ends: a request that stops at the abort may
            // unwind before this registration's turn comes.
            using var registration = context.RequestAborted.Register(() => clientGone.TrySetResult());
            try
            {
                await next(context);
            }
            finally
            {
                if (context.RequestAborted.IsCancellationRequested)
                {
                    clientGone.TrySetResult();
                }
            }
        });
        app.UseAuthentication();
        app.MapPost("/sign-in/{user}", (HttpContext context, string user) => context.SignInAsync(Principal(user)));
        app.MapGet("/me", (HttpContext context) =>
            context.User.Identity?.IsAuthenticated == true ? context.User.FindFirstValue(ClaimTypes.NameIdentifier) ?? "?" : "anonymous");
        app.MapPost("/sign-out", (HttpContext context) => context.SignOutAsync());
        await app.StartAsync();
        return new AuthApp(app, clientGone);
    }

    /// <summary>A principal with claims enough that its ticket would not fit in a small cookie.</summary>
    public static ClaimsPrincipal Principal(string user)
    {
        var identity = new ClaimsIdentity(CookieAuthenticationDefaults.AuthenticationScheme);
        identity.AddClaim(new Claim(ClaimTypes.NameIdentifier, user));
        identity.AddClaim(new Claim(ClaimTypes.Name, user));
        for (var i = 0; i < 40; i++)
        {
            identity.AddClaim(new Claim(ClaimTypes.Role, $"a-role-with-a-long-descriptive-name-{i.ToString(CultureInfo.InvariantCulture)}"));
        }

        return new ClaimsPrincipal(identity);
    }

    public AuthClient Browser() => new(_app.GetTestClient(), CookieName);

    /// <summary>The key the cookie of <paramref name="client"/> carries, read as the cookie handler reads it.</summary>
    public string KeyIn(AuthClient client)
    {
        var ticket = CookieOptions.TicketDataFormat.Unprotect(client.Cookie ?? throw new InvalidOperationException("The client has no cookie."));
        Assert.NotNull(ticket);
        return Assert.Single(ticket.Principal.Claims, c => c.Type == "Microsoft.AspNetCore.Authentication.Cookies-SessionId").Value;
    }

    /// <summary>Where the store keeps the ticket of <paramref name="client"/>: its key, or the key's SHA-256 (hex) with HashIdsInStore.</summary>
    public string StoreKeyOf(AuthClient client) => StoreKey(KeyIn(client));

    public string StoreKey(string key) =>
        HashIdsInStore ? Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key))) : key;

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
