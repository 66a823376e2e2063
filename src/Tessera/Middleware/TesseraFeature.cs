using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Tessera.Middleware;

/// <summary>
/// The request's session state, in <c>HttpContext.Features</c>. It is also the request's
/// <see cref="ISessionFeature"/>, so <c>HttpContext.Session</c> is the same session seen through
/// Microsoft's <see cref="ISession"/>.
/// </summary>
internal sealed class TesseraFeature : ISessionFeature
{
    private ISession? _session;

    /// <summary>The request.</summary>
    public required HttpContext Context { get; init; }

    /// <summary>The session, or null once destroyed or detached (express's <c>req.session</c>).</summary>
    public Session? Session { get; set; }

    /// <summary>The request's session ID (express's <c>req.sessionID</c>): the cookie's, then the session's.</summary>
    public string? SessionId { get; set; }

    /// <summary>Whether the session was destroyed during the request (so detaching it destroys nothing more).</summary>
    public bool SessionDestroyed { get; set; }

    /// <summary>Whether the request runs without a session because the store was not ready or failed.</summary>
    public bool StoreUnavailable { get; init; }

    /// <summary>Whether the request's endpoint opted out of sessions (or is a static asset or file).</summary>
    public bool Disabled { get; init; }

    /// <summary>Whether the request's endpoint has a read-only session: loaded, never written or sent.</summary>
    public bool ReadOnly { get; init; }

    /// <summary>Whether the request's session cookie is essential (<see cref="SessionCookieOptions.IsEssential"/>): set and saved without tracking consent.</summary>
    public bool IsEssential { get; init; } = true;

    /// <summary>The unavailable store, as its messages name it (its type, and for Redis its endpoint).</summary>
    public string? StoreName { get; init; }

    /// <summary>The verified ID the request's cookie carried, if any.</summary>
    public string? CookieId { get; init; }

    /// <summary>The request's cookie value, when it is exactly what would be sent again for <see cref="CookieId"/>.</summary>
    public string? CookieValue { get; init; }

    /// <summary>The <see cref="ISessionFeature"/> that was there before this request's, restored afterwards.</summary>
    public ISessionFeature? Previous { get; init; }

    ISession ISessionFeature.Session
    {
        get => _session ??= new SessionAdapter(this);
        set => _session = value;
    }
}
