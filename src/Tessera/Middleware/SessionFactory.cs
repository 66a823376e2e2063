using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tessera.Serialization;

namespace Tessera.Middleware;

/// <summary>New sessions: their IDs, their cookies with this request's options, their documents.</summary>
internal sealed class SessionFactory(TesseraOptions options, TimeProvider time, ILogger? logger = null)
{
    // The request's Items key that marks the failure of GenerateId as logged.
    private static readonly object NoIdLogged = new();

    public TimeProvider Time => time;

    /// <summary>The cookie options of this request: <see cref="TesseraOptions.CookieSelector"/>'s, else <see cref="TesseraOptions.Cookie"/>.</summary>
    public SessionCookieOptions CookieOptions(HttpContext context) =>
        options.CookieSelector is { } selector
            ? selector(context) ?? throw new InvalidOperationException("TesseraOptions.CookieSelector returned null.")
            : options.Cookie;

    /// <summary>
    /// A new session ID, from <see cref="TesseraOptions.GenerateId"/> or the default generator.
    /// When <see cref="TesseraOptions.GenerateId"/> returns null or an empty string, the ID is
    /// empty: as in express-session (whose <c>genid</c> gave no string), the session works for the
    /// request but is never saved and gets no cookie. The error is logged once per request.
    /// </summary>
    public string NewId(HttpContext context)
    {
        if (options.GenerateId is not { } generate)
        {
            return DefaultSessionIdGenerator.Generate();
        }

        var id = generate(context);
        if (string.IsNullOrEmpty(id))
        {
            if (context.Items.TryAdd(NoIdLogged, null))
            {
                TesseraLog.NoSessionId(logger ?? NullLogger.Instance);
            }

            return string.Empty;
        }

        return id;
    }

    /// <summary>The document of a new session: its cookie, and its creation time when an absolute timeout applies.</summary>
    public SessionData NewData(HttpContext context) => NewData(context, CookieOptions(context));

    /// <inheritdoc cref="NewData(HttpContext)"/>
    public SessionData NewData(HttpContext context, SessionCookieOptions cookieOptions)
    {
        if (options.AbsoluteTimeout is not { } absolute)
        {
            return new SessionData(NewCookie(context, cookieOptions, deadline: null));
        }

        var created = SessionCookie.TruncateToMilliseconds(time.GetUtcNow());
        return new SessionData(NewCookie(context, cookieOptions, created + absolute))
        {
            Metadata = new SessionMetadata { Created = created },
        };
    }

    /// <summary>The cookie of a new session, with express's <c>'auto'</c> values resolved for this request.</summary>
    private SessionCookie NewCookie(HttpContext context, SessionCookieOptions cookieOptions, DateTimeOffset? deadline)
    {
        var cookie = new SessionCookie(time)
        {
            Path = cookieOptions.Path,
            HttpOnly = cookieOptions.HttpOnly,
            Domain = cookieOptions.Domain,
            Priority = cookieOptions.Priority,
            Deadline = deadline,
        };
        if (cookieOptions.Partitioned)
        {
            cookie.Partitioned = true;
        }

        var needsSecurity = cookieOptions.Secure == CookieSecurePolicy.SameAsRequest || cookieOptions.SameSiteAuto;
        var secure = needsSecurity && RequestSecurity.IsSecure(context, options.Proxy);
        switch (cookieOptions.Secure)
        {
            case CookieSecurePolicy.Always:
                cookie.Secure = true;
                break;
            case CookieSecurePolicy.SameAsRequest:
                cookie.Secure = secure;
                break;
        }

        if (cookieOptions.SameSiteAuto)
        {
            cookie.SameSite = secure ? SameSiteMode.None : SameSiteMode.Lax;
        }
        else if (cookieOptions.SameSite is { } sameSite and not SameSiteMode.Unspecified)
        {
            cookie.SameSite = sameSite;
        }

        cookie.MaxAge = options.IdleTimeout ?? cookieOptions.MaxAge;
        return cookie;
    }
}
