using Microsoft.AspNetCore.Http;

namespace Tessera;

/// <summary>
/// The attributes given to the cookie of a newly created session, express-session's
/// <c>cookie</c> option. A loaded session keeps the cookie attributes stored with it.
/// </summary>
public sealed class SessionCookieOptions
{
    /// <summary>
    /// The cookie's <c>Path</c>. Requests whose path does not start with it get no session.
    /// </summary>
    /// <value>Default <c>/</c>.</value>
    public string Path { get; set; } = "/";

    /// <summary>Whether the cookie is <c>HttpOnly</c>.</summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool HttpOnly { get; set; } = true;

    /// <summary>
    /// Whether the cookie is <c>Secure</c>. <see cref="CookieSecurePolicy.SameAsRequest"/> is
    /// express-session's <c>'auto'</c>: secure when the request that created the session was.
    /// A secure cookie is never sent over an insecure request (the session is still saved).
    /// </summary>
    /// <value>Default <see cref="CookieSecurePolicy.None"/> (the attribute is not sent).</value>
    public CookieSecurePolicy Secure { get; set; } = CookieSecurePolicy.None;

    /// <summary>
    /// How long the session lives after the last request that re-armed it. The cookie gets an
    /// <c>Expires</c> attribute of now plus this; <see langword="null"/> makes a browser-session cookie.
    /// </summary>
    /// <value>Default <see langword="null"/>.</value>
    public TimeSpan? MaxAge { get; set; }

    /// <summary>The cookie's <c>Domain</c>; <see langword="null"/> leaves it to the browser.</summary>
    public string? Domain { get; set; }

    /// <summary>
    /// The cookie's <c>SameSite</c>; <see langword="null"/> sends no attribute.
    /// <see cref="SameSiteMode.Unspecified"/> is treated as <see langword="null"/>.
    /// </summary>
    public SameSiteMode? SameSite { get; set; }

    /// <summary>
    /// express-session's <c>sameSite: 'auto'</c>: <c>SameSite=None</c> when the request that
    /// created the session is secure, <c>SameSite=Lax</c> otherwise. Overrides <see cref="SameSite"/>.
    /// </summary>
    /// <value>Default <see langword="false"/>.</value>
    public bool SameSiteAuto { get; set; }

    /// <summary>Whether the cookie is <c>Partitioned</c> (CHIPS). Requires a secure cookie.</summary>
    /// <value>Default <see langword="false"/>.</value>
    public bool Partitioned { get; set; }

    /// <summary>The cookie's <c>Priority</c>; <see langword="null"/> sends no attribute.</summary>
    public CookiePriority? Priority { get; set; }

    /// <summary>
    /// Whether the cookie is essential to the application, so that it is set and the session
    /// saved even when <c>UseCookiePolicy()</c> requires tracking consent and the user has not
    /// given it. A session cookie usually is essential (sign-in, anti-forgery and shopping carts
    /// depend on it), as ASP.NET Core's own session cookie defaults to. When false and consent is
    /// required but not given, no cookie is set and nothing is saved: the session lives for the
    /// request only, and <see cref="Session.SaveAsync"/> and the other writing methods throw.
    /// </summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool IsEssential { get; set; } = true;

    /// <summary>Creates a copy of these options.</summary>
    /// <returns>A new instance with the same values.</returns>
    public SessionCookieOptions Clone() => (SessionCookieOptions)MemberwiseClone();
}
