namespace Tessera.Middleware;

/// <summary>The request's session state, in <c>HttpContext.Features</c>.</summary>
internal sealed class TesseraFeature
{
    /// <summary>The session, or null once destroyed or detached (express's <c>req.session</c>).</summary>
    public Session? Session { get; set; }

    /// <summary>The request's session ID (express's <c>req.sessionID</c>): the cookie's, then the session's.</summary>
    public string? SessionId { get; set; }

    /// <summary>The verified ID the request's cookie carried, if any.</summary>
    public string? CookieId { get; init; }
}
