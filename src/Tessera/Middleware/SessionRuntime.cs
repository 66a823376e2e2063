using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

using Tessera.Cookies;

namespace Tessera.Middleware;

/// <summary>What the middleware and the sessions of one application share: options resolved once.</summary>
internal sealed class SessionRuntime
{
    private readonly TesseraOptions _options;
    private readonly CookieSigner _signer;

    public SessionRuntime(TesseraOptions options, ISessionStore store, TimeProvider time, ILogger logger)
    {
        _options = options;
        Store = store;
        Time = time;
        Logger = logger;
        _signer = new CookieSigner(options.Secrets);
        JsonOptions = options.JsonSerializerOptions;
        JsonOptions.MakeReadOnly(populateMissingResolver: true);
    }

    public TesseraOptions Options => _options;

    public ISessionStore Store { get; }

    public TimeProvider Time { get; }

    public ILogger Logger { get; }

    public JsonSerializerOptions JsonOptions { get; }

    public SessionCookieOptions ResolveCookieOptions(HttpContext context) =>
        _options.CookieSelector is { } selector
            ? selector(context) ?? throw new InvalidOperationException("TesseraOptions.CookieSelector returned null.")
            : _options.Cookie;

    /// <summary>The cookie of a new session, with express's <c>'auto'</c> values resolved for this request.</summary>
    public SessionCookie CreateCookie(HttpContext context, SessionCookieOptions options)
    {
        var cookie = new SessionCookie(Time)
        {
            Path = options.Path,
            HttpOnly = options.HttpOnly,
            Domain = options.Domain,
            Priority = options.Priority,
        };
        if (options.Partitioned)
        {
            cookie.Partitioned = true;
        }

        var needsSecurity = options.Secure == CookieSecurePolicy.SameAsRequest || options.SameSiteAuto;
        var secure = needsSecurity && RequestSecurity.IsSecure(context, _options.Proxy);
        switch (options.Secure)
        {
            case CookieSecurePolicy.Always:
                cookie.Secure = true;
                break;
            case CookieSecurePolicy.SameAsRequest:
                cookie.Secure = secure;
                break;
        }

        if (options.SameSiteAuto)
        {
            cookie.SameSite = secure ? SameSiteMode.None : SameSiteMode.Lax;
        }
        else if (options.SameSite is { } sameSite and not SameSiteMode.Unspecified)
        {
            cookie.SameSite = sameSite;
        }

        cookie.MaxAge = options.MaxAge;
        return cookie;
    }

    public string NewId(HttpContext context)
    {
        if (_options.GenerateId is not { } generate)
        {
            return DefaultSessionIdGenerator.Generate();
        }

        var id = generate(context);
        if (string.IsNullOrEmpty(id))
        {
            throw new InvalidOperationException("TesseraOptions.GenerateId returned a null or empty session ID.");
        }

        return id;
    }

    public SessionData Adopt(SessionData data) =>
        ReferenceEquals(data.Cookie.Time, Time) ? data : new SessionData(data.Cookie.WithTime(Time), data.Values, data.CookieIndex);

    /// <summary>Reads the verified session ID from the request's cookie, or null.</summary>
    public string? ReadCookieId(HttpContext context)
    {
        if (!CookieHeaderParser.TryGetFirst(context.Request.Headers.Cookie, _options.Name, out var raw) || raw.Length == 0)
        {
            return null;
        }

        if (!raw.StartsWith("s:", StringComparison.Ordinal))
        {
            TesseraLog.UnsignedCookie(Logger);
            return null;
        }

        var id = _signer.Unsign(raw.AsSpan(2));
        if (id is null)
        {
            TesseraLog.BadSignature(Logger);
        }

        return id;
    }

    public void AppendSetCookie(HttpContext context, Session session)
    {
        var value = UriComponent.Encode("s:" + _signer.Sign(session.Id));
        context.Response.Headers.Append(Microsoft.Net.Http.Headers.HeaderNames.SetCookie, SetCookieHeader.Build(_options.Name, value, session.Cookie));
    }

    public static void Attach(HttpContext context, Session session)
    {
        if (context.Features.Get<TesseraFeature>() is { } feature)
        {
            feature.Session = session;
            feature.SessionId = session.Id;
        }
    }

    public static void Detach(HttpContext context, Session session)
    {
        if (context.Features.Get<TesseraFeature>() is { } feature && ReferenceEquals(feature.Session, session))
        {
            feature.Session = null;
        }
    }
}
