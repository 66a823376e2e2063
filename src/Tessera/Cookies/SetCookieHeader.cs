using System.Globalization;
using System.Text;
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
    public static string Build(string name, string encodedValue, SessionCookie cookie)
    {
        ThrowIfInvalid(cookie);
        var builder = new StringBuilder(name.Length + encodedValue.Length + 96);
        builder.Append(name).Append('=').Append(encodedValue);
        if (cookie.Domain is { } domain)
        {
            builder.Append("; Domain=").Append(domain);
        }

        builder.Append("; Path=").Append(cookie.Path);
        if (cookie.Expires is { } expires)
        {
            builder.Append("; Expires=").Append(expires.UtcDateTime.ToString("R", CultureInfo.InvariantCulture));
        }

        if (cookie.HttpOnly)
        {
            builder.Append("; HttpOnly");
        }

        if (cookie.Secure)
        {
            builder.Append("; Secure");
        }

        if (cookie.Partitioned)
        {
            builder.Append("; Partitioned");
        }

        switch (cookie.Priority)
        {
            case CookiePriority.Low:
                builder.Append("; Priority=Low");
                break;
            case CookiePriority.Medium:
                builder.Append("; Priority=Medium");
                break;
            case CookiePriority.High:
                builder.Append("; Priority=High");
                break;
        }

        switch (cookie.SameSite)
        {
            case SameSiteMode.Lax:
                builder.Append("; SameSite=Lax");
                break;
            case SameSiteMode.Strict:
                builder.Append("; SameSite=Strict");
                break;
            case SameSiteMode.None:
                builder.Append("; SameSite=None");
                break;
        }

        return builder.ToString();
    }

    // The session's cookie can be changed during the request, after the options were validated.
    private static void ThrowIfInvalid(SessionCookie cookie)
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
