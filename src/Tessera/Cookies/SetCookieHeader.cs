using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;

namespace Tessera.Cookies;

/// <summary>
/// Builds the <c>Set-Cookie</c> line exactly as express-session does (cookie 0.7 serialize):
/// <c>name=value; Domain; Path; Expires; HttpOnly; Secure; Partitioned; Priority; SameSite</c>,
/// never <c>Max-Age</c>.
/// </summary>
internal static class SetCookieHeader
{
    /// <summary>Builds the line.</summary>
    /// <exception cref="FormatException">The cookie's <c>Path</c> or <c>Domain</c> is invalid (cookie's <c>option … is invalid</c>).</exception>
    public static string Build(string name, ReadOnlySpan<char> encodedValue, SessionCookie cookie)
    {
        ThrowIfInvalid(cookie);

        // Built on the stack (growing into a pooled buffer if needed): one allocation, the line.
        var line = new DefaultInterpolatedStringHandler(0, 0, CultureInfo.InvariantCulture, stackalloc char[256]);
        line.AppendLiteral(name);
        line.AppendLiteral("=");
        line.AppendFormatted(encodedValue);
        if (cookie.Domain is { } domain)
        {
            line.AppendLiteral("; Domain=");
            line.AppendLiteral(domain);
        }

        line.AppendLiteral("; Path=");
        line.AppendLiteral(cookie.Path);
        if (cookie.Expires is { } expires)
        {
            line.AppendLiteral("; Expires=");
            line.AppendFormatted(expires.UtcDateTime, "R");
        }

        if (cookie.HttpOnly)
        {
            line.AppendLiteral("; HttpOnly");
        }

        if (cookie.Secure)
        {
            line.AppendLiteral("; Secure");
        }

        if (cookie.Partitioned)
        {
            line.AppendLiteral("; Partitioned");
        }

        switch (cookie.Priority)
        {
            case CookiePriority.Low:
                line.AppendLiteral("; Priority=Low");
                break;
            case CookiePriority.Medium:
                line.AppendLiteral("; Priority=Medium");
                break;
            case CookiePriority.High:
                line.AppendLiteral("; Priority=High");
                break;
        }

        switch (cookie.SameSite)
        {
            case SameSiteMode.Lax:
                line.AppendLiteral("; SameSite=Lax");
                break;
            case SameSiteMode.Strict:
                line.AppendLiteral("; SameSite=Strict");
                break;
            case SameSiteMode.None:
                line.AppendLiteral("; SameSite=None");
                break;
        }

        return line.ToStringAndClear();
    }

    /// <summary>Checks the attributes a request may have changed since the options were validated.</summary>
    /// <exception cref="FormatException">The cookie's <c>Path</c> or <c>Domain</c> is invalid.</exception>
    public static void ThrowIfInvalid(SessionCookie cookie)
    {
        if (cookie.Domain is { } domain && !CookieAttributeRules.IsValidDomain(domain))
        {
            throw new FormatException("The session cookie's Domain is not a valid host name.");
        }

        if (!CookieAttributeRules.IsValidPath(cookie.Path))
        {
            throw new FormatException("The session cookie's Path is invalid: it must not contain control characters, ';' or '<'.");
        }
    }
}
