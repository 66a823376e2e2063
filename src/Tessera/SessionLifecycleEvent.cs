using Microsoft.AspNetCore.Http;

namespace Tessera;

/// <summary>
/// What <see cref="TesseraOptions.OnCreated"/>, <see cref="TesseraOptions.OnRenewed"/> and
/// <see cref="TesseraOptions.OnDestroyed"/> receive. Events are raised in this process, after
/// the store write they report; a session that simply expires in the store raises no event
/// (expiry is noticed only when a request finds a session past its absolute timeout).
/// </summary>
public sealed class SessionLifecycleEvent
{
    internal SessionLifecycleEvent(string sessionId, string? userId, HttpContext? httpContext)
    {
        SessionId = sessionId;
        UserId = userId;
        HttpContext = httpContext;
    }

    /// <summary>The session's ID (its store key when the event comes from <see cref="SessionIndex"/>).</summary>
    public string SessionId { get; }

    /// <summary>For <see cref="TesseraOptions.OnRenewed"/>: the ID the session had before.</summary>
    public string? PreviousSessionId { get; init; }

    /// <summary>The session's user, when it has one.</summary>
    public string? UserId { get; }

    /// <summary>For <see cref="TesseraOptions.OnDestroyed"/>: why the session ended.</summary>
    public SessionEndReason? Reason { get; init; }

    /// <summary>The request that caused the event, when there is one.</summary>
    public HttpContext? HttpContext { get; }
}
