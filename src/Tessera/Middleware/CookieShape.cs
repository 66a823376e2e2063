namespace Tessera.Middleware;

/// <summary>
/// A session cookie's lifetime and attributes, as stored: what an application changes when it
/// changes the cookie (<c>MaxAge</c>, <c>Expires</c>, an attribute), as opposed to the expiry
/// that every request re-arms.
/// </summary>
internal readonly record struct CookieShape(
    double? OriginalMaxAge,
    string? Path,
    bool? HttpOnly,
    bool? Secure,
    string? Domain,
    string? SameSite,
    bool? Partitioned,
    string? Priority)
{
    public static CookieShape Of(SessionCookie cookie) => new(
        cookie.OriginalMaxAgeMilliseconds,
        cookie.RawPath,
        cookie.RawHttpOnly,
        cookie.RawSecure,
        cookie.RawDomain,
        cookie.RawSameSite,
        cookie.RawPartitioned,
        cookie.RawPriority);
}
