using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Tessera.Middleware;

/// <summary>
/// The session middleware: reads the signed cookie, loads or creates the session, runs the rest
/// of the pipeline, then saves, touches or destroys the session and sets the cookie by
/// express-session's rules (<see cref="SessionDecisions"/>). Store failures are handled by
/// <see cref="TesseraOptions.StoreFailure"/>.
/// </summary>
internal sealed class TesseraMiddleware
{
    private readonly RequestDelegate _next;
    private readonly SessionRuntime _runtime;
    private readonly Func<object, Task> _onStarting;

    public TesseraMiddleware(RequestDelegate next, SessionRuntime runtime)
    {
        _next = next;
        _runtime = runtime;

        // The request's feature is the callback's state: the session in it knows its request.
        _onStarting = state => OnStarting(_runtime, (TesseraFeature)state);
    }

    public async Task InvokeAsync(HttpContext context)
    {
        // Another Tessera middleware earlier in the pipeline already owns this request.
        var features = context.Features;
        if (features[typeof(TesseraFeature)] is not null)
        {
            await _next(context);
            return;
        }

        var runtime = _runtime;
        if (!runtime.Store.IsReady)
        {
            TesseraLog.StoreNotReady(runtime.Logger);
            if (runtime.Options.StoreFailure == StoreFailure.ServiceUnavailable)
            {
                runtime.Metrics.StoreError("load");
                await WriteServiceUnavailableAsync(context);
                return;
            }

            await RunWithoutSessionAsync(context);
            return;
        }

        var cookieOptions = runtime.ResolveCookieOptions(context);
        if (!IsInCookiePath(context.Request, cookieOptions.Path))
        {
            TesseraLog.PathMismatch(runtime.Logger);
            await _next(context);
            return;
        }

        var cookie = runtime.ReadCookie(context);
        var cookieId = cookie?.Id;
        Session session;
        try
        {
            session = await LoadOrCreateAsync(context, cookieId, cookieOptions);
        }
        catch (SessionStoreException) when (runtime.Options.StoreFailure == StoreFailure.ServiceUnavailable)
        {
            await WriteServiceUnavailableAsync(context);
            return;
        }
        catch (SessionStoreException) when (runtime.Options.StoreFailure == StoreFailure.ContinueWithoutSession)
        {
            await RunWithoutSessionAsync(context);
            return;
        }

        var feature = new TesseraFeature
        {
            CookieId = cookieId,
            CookieValue = cookie?.ResendValue,
            SessionId = session.Id,
            Session = session,
            Previous = (ISessionFeature?)features[typeof(ISessionFeature)],
        };

        // Features are read and written through the indexer: the generic Get/Set are generic
        // virtual calls, resolved at run time on every request.
        features[typeof(TesseraFeature)] = feature;
        features[typeof(ISessionFeature)] = feature;
        try
        {
            context.Response.OnStarting(_onStarting, feature);
            var bodyFeature = (IHttpResponseBodyFeature?)features[typeof(IHttpResponseBodyFeature)]
                ?? throw new InvalidOperationException("The server provides no IHttpResponseBodyFeature.");
            var holdback = new HoldbackResponseBody(bodyFeature, context.Response);
            features[typeof(IHttpResponseBodyFeature)] = holdback;
            try
            {
                await _next(context);
                try
                {
                    await CommitAsync(runtime, context, feature);
                }
                catch (SessionStoreException) when (runtime.Options.StoreFailure != StoreFailure.Throw)
                {
                    // Nothing was stored: a response that has not started must not carry the cookie.
                    feature.Session = null;
                    if (runtime.Options.StoreFailure == StoreFailure.ServiceUnavailable)
                    {
                        await FailResponseAsync(context);
                    }
                }
                catch
                {
                    feature.Session = null;
                    throw;
                }
            }
            finally
            {
                features[typeof(IHttpResponseBodyFeature)] = holdback.Inner;
            }

            await holdback.ReleaseAsync();
        }
        finally
        {
            features[typeof(TesseraFeature)] = null;
            features[typeof(ISessionFeature)] = feature.Previous;
        }
    }

    /// <summary>
    /// Runs the request without a session because the store is unavailable: <c>GetSession</c>
    /// says so, and <c>HttpContext.Session.IsAvailable</c> is false, as with Microsoft's session.
    /// </summary>
    private async Task RunWithoutSessionAsync(HttpContext context)
    {
        var feature = new TesseraFeature { StoreUnavailable = true, Previous = context.Features.Get<ISessionFeature>() };
        context.Features.Set(feature);
        context.Features.Set<ISessionFeature>(feature);
        try
        {
            await _next(context);
        }
        finally
        {
            context.Features.Set<TesseraFeature>(null);
            context.Features.Set(feature.Previous);
        }
    }
    private async ValueTask<Session> LoadOrCreateAsync(HttpContext context, string? cookieId, SessionCookieOptions cookieOptions)
    {
        var runtime = _runtime;
        if (cookieId is not null)
        {
            if (await runtime.LoadAsync(cookieId, context.RequestAborted) is { } found)
            {
                var session = new Session(runtime, context, found.Id, found.Data, isNew: false) { ForceCookie = found.Followed };
                if (!runtime.Options.Resave)
                {
                    session.SavedEntries = session.OriginalEntries;
                }

                return session;
            }

            TesseraLog.SessionNotFound(runtime.Logger);
        }

        return new Session(runtime, context, runtime.NewId(context), runtime.CreateData(context, cookieOptions), isNew: true);
    }

    private static async Task CommitAsync(SessionRuntime runtime, HttpContext context, TesseraFeature feature)
    {
        var session = feature.Session;
        var cancellation = context.RequestAborted;
        if (session is null)
        {
            if (!feature.SessionDestroyed && SessionDecisions.ShouldDestroy(feature.SessionId is not null, detached: true, runtime.Options.Unset))
            {
                await runtime.DestroyAsync(feature.SessionId!, SessionEndReason.Unset, userId: null, context, cancellation);
            }

            return;
        }

        var existing = feature.CookieId == session.Id;
        var modified = session.IsModified();
        var rearmed = TouchOnce(runtime, session, existing, modified);
        var shouldSave = SessionDecisions.ShouldSave(
            existing,
            runtime.Options.SaveUninitialized,
            savedDuringRequest: session.SavedEntries is not null,
            modified,
            session.IsSaved());
        if (shouldSave)
        {
            session.SavedEntries = session.Snapshot();
            if (!await runtime.WriteAsync(session, cancellation))
            {
                session.MarkDestroyed(); // destroyed by another request meanwhile: never written back
            }
        }
        else if (SessionDecisions.ShouldTouch(existing, shouldSave) && rearmed)
        {
            await runtime.TouchAsync(session, cancellation);
        }
    }

    private static Task OnStarting(SessionRuntime runtime, TesseraFeature feature)
    {
        var session = feature.Session;
        if (session is null)
        {
            return Task.CompletedTask;
        }

        var context = session.Context;

        var existing = feature.CookieId == session.Id;
        var modified = session.IsModified();
        var shouldSetCookie = session.ForceCookie || SessionDecisions.ShouldSetCookie(
            existing,
            runtime.Options.SaveUninitialized,
            runtime.Options.Rolling,
            modified,
            hasExpiry: session.Cookie.Expires is not null);
        if (!shouldSetCookie || (session.Cookie.Secure && !RequestSecurity.IsSecure(context, runtime.Options.Proxy)))
        {
            return Task.CompletedTask;
        }

        TouchOnce(runtime, session, existing, modified);
        try
        {
            runtime.AppendSetCookie(context, session, existing ? feature.CookieValue : null);
        }
        catch (FormatException ex)
        {
            // As in express-session, the response goes on without the cookie and the error is reported.
            TesseraLog.SetCookieFailed(runtime.Logger, ex);
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Re-arms the expiry once per request, so the cookie's Expires and the stored one agree.
    /// With <see cref="TesseraOptions.TouchAfter"/>, an unmodified loaded session is re-armed only
    /// once the interval has passed since it was last armed. Returns whether the expiry was re-armed.
    /// </summary>
    private static bool TouchOnce(SessionRuntime runtime, Session session, bool existing, bool modified)
    {
        if (session.CookieTouched)
        {
            return session.CookieRearmed;
        }

        session.CookieTouched = true;
        var cookie = session.Cookie;
        if (existing && !modified && runtime.Options.TouchAfter is { } touchAfter
            && cookie.Expires is { } expires && cookie.OriginalMaxAge is { } lifetime
            && runtime.Time.GetUtcNow() - (expires - lifetime) < touchAfter)
        {
            session.CookieRearmed = false;
            return false;
        }

        cookie.ResetMaxAge();
        session.CookieRearmed = true;
        return true;
    }

    /// <summary>express-session's path check: the raw request path starts with the cookie path.</summary>
    private static bool IsInCookiePath(HttpRequest request, string cookiePath)
    {
        var pathBase = request.PathBase.HasValue ? request.PathBase.ToUriComponent() : string.Empty;
        var path = request.Path.HasValue ? request.Path.ToUriComponent() : string.Empty;
        var full = pathBase.Length == 0 ? path : pathBase + path;
        if (full.Length == 0)
        {
            full = "/";
        }

        return full.StartsWith(cookiePath, StringComparison.Ordinal);
    }

    /// <summary>A failed write at the end of the request: 503 if the response can still change, else abort it.</summary>
    private static async Task FailResponseAsync(HttpContext context)
    {
        if (context.Response.HasStarted)
        {
            context.Abort();
            return;
        }

        context.Response.Clear();
        await WriteServiceUnavailableAsync(context);
    }

    private static async Task WriteServiceUnavailableAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails
        {
            Type = "https://tools.ietf.org/html/rfc9110#section-15.6.4",
            Title = "Service Unavailable",
            Status = StatusCodes.Status503ServiceUnavailable,
            Detail = "The session store is unavailable. Try again shortly.",
        };
        if (context.RequestServices.GetService<IProblemDetailsService>() is { } problems
            && await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem }))
        {
            return;
        }

        context.Response.ContentType = "application/problem+json";
        await JsonSerializer.SerializeAsync(context.Response.Body, problem, ProblemDetailsJsonContext.Default.ProblemDetails, context.RequestAborted);
    }
}
