using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Http;
using Tessera.Middleware;

namespace Tessera;

/// <summary>Access to the request's <see cref="Session"/>.</summary>
public static class HttpContextSessionExtensions
{
    /// <summary>Gets the request's session.</summary>
    /// <param name="context">The request.</param>
    /// <returns>The session.</returns>
    /// <exception cref="InvalidOperationException">
    /// The request has no session: <c>UseTessera()</c> is not in the pipeline before this code,
    /// the endpoint opted out (<see cref="DisableSessionAttribute"/>), the path is outside the
    /// cookie's <c>Path</c>, the store is unavailable, or the session was
    /// destroyed or detached. The message says which of these it is when it can tell.
    /// </exception>
    public static Session GetSession(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var feature = (TesseraFeature?)context.Features[typeof(TesseraFeature)]; // no generic virtual call
        if (feature is { Disabled: true })
        {
            throw new InvalidOperationException(
                "This request has no session: its endpoint opted out of sessions ([DisableSession] or .DisableSession()), " +
                "or it is a static asset or static file. Remove the opt-out, or use [ReadOnlySession] to read the session without writing it.");
        }

        if (feature is { StoreUnavailable: true })
        {
            throw new InvalidOperationException(
                $"This request has no session because the session store {feature.StoreName} is unavailable (not ready, failing or timing out). " +
                "Use TryGetSession to run without one, or choose another TesseraOptions.StoreFailure.");
        }

        return feature?.Session
            ?? throw new InvalidOperationException(
                "This request has no Tessera session. Check that app.UseTessera() runs before this code, that the request path is " +
                "within TesseraOptions.Cookie.Path, that the store is ready, and that the session was not destroyed or detached.");
    }

    /// <summary>Tries to get the request's session.</summary>
    /// <param name="context">The request.</param>
    /// <param name="session">The session, when there is one.</param>
    /// <returns>Whether the request has a session.</returns>
    public static bool TryGetSession(this HttpContext context, [NotNullWhen(true)] out Session? session)
    {
        ArgumentNullException.ThrowIfNull(context);
        session = context.Features.Get<TesseraFeature>()?.Session;
        return session is not null;
    }

    /// <summary>
    /// Detaches the session from the request, express-session's <c>delete req.session</c>:
    /// nothing is saved and no cookie is sent; with <see cref="UnsetBehavior.Destroy"/> the
    /// stored session is destroyed when the response ends.
    /// </summary>
    /// <param name="context">The request.</param>
    public static void DetachSession(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Features.Get<TesseraFeature>() is { } feature)
        {
            feature.Session = null;
        }
    }
}
