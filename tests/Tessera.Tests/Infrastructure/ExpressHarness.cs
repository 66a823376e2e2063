using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Time.Testing;

namespace Tessera.Tests.Infrastructure;

/// <summary>The conventions of express-session's test suite that differ from Tessera's defaults.</summary>
internal static class ExpressHarness
{
    /// <summary>The instant every test clock starts at: a whole second, so Expires attributes are exact.</summary>
    public static readonly DateTimeOffset Start = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

    /// <summary>A clock for an app and its store.</summary>
    public static FakeTimeProvider NewClock() => new(Start);

    /// <summary>
    /// express-session's defaults, which its tests rely on: <c>resave</c> and
    /// <c>saveUninitialized</c> on (Tessera turns both off by default), then <paramref name="configure"/>.
    /// </summary>
    public static Action<TesseraOptions> Defaults(Action<TesseraOptions>? configure = null) => o =>
    {
        o.Resave = true;
        o.SaveUninitialized = true;
        configure?.Invoke(o);
    };

    /// <summary>
    /// The tests' stand-in for Express's <c>req.secure</c>: an <c>X-Secure: true</c> request
    /// header makes the request HTTPS as far as ASP.NET Core is concerned (<see cref="HttpRequest.IsHttps"/>),
    /// as the forwarded-headers middleware would. The connection itself stays plain.
    /// </summary>
    public static void SecureFromHeader(IApplicationBuilder app) => app.Use((context, next) =>
    {
        if (bool.TryParse(context.Request.Headers["X-Secure"], out var secure) && secure)
        {
            context.Request.Scheme = "https";
        }

        return next(context);
    });

    /// <summary>Makes every request arrive over TLS, as on an HTTPS server (the connection, not the scheme).</summary>
    public static void TlsConnection(IApplicationBuilder app) => app.Use((context, next) =>
    {
        context.Features.Set<ITlsConnectionFeature>(new TlsConnectionFeature());
        return next(context);
    });

    /// <summary>express's <c>String(req.secure)</c>.</summary>
    public static string SecureText(HttpContext context) => context.Request.IsHttps ? "true" : "false";

    /// <summary>express's <c>typeof req.session</c>.</summary>
    public static string SessionTypeText(HttpContext context) => context.TryGetSession(out _) ? "object" : "undefined";
}
