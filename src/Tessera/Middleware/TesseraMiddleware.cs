using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Tessera.Middleware;

/// <summary>
/// The session middleware: reads the signed cookie, loads or creates the session, runs the rest
/// of the pipeline, then saves, touches or destroys the session and sets the cookie by
/// express-session's rules (<see cref="SessionDecisions"/>).
/// </summary>
internal sealed class TesseraMiddleware
{
    private static readonly Func<object, Task> OnStartingCallback = static state => OnStarting((RequestState)state);

    private readonly RequestDelegate _next;
    private readonly SessionRuntime _runtime;

    public TesseraMiddleware(RequestDelegate next, SessionRuntime runtime)
    {
        _next = next;
        _runtime = runtime;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        // Another Tessera middleware earlier in the pipeline already owns this request.
        if (context.Features.Get<TesseraFeature>() is not null)
        {
            await _next(context);
            return;
        }

        var runtime = _runtime;
        if (!runtime.Store.IsReady)
        {
            TesseraLog.StoreNotReady(runtime.Logger);
            await _next(context);
            return;
        }

        var cookieOptions = runtime.ResolveCookieOptions(context);
        if (!IsInCookiePath(context.Request, cookieOptions.Path))
        {
            TesseraLog.PathMismatch(runtime.Logger);
            await _next(context);
            return;
        }

        var cookieId = runtime.ReadCookieId(context);
        var feature = new TesseraFeature { CookieId = cookieId, SessionId = cookieId };
        context.Features.Set(feature);
        try
        {
            feature.Session = await LoadOrCreateAsync(context, cookieId, cookieOptions);
            feature.SessionId = feature.Session.Id;

            var state = new RequestState(runtime, context, feature);
            context.Response.OnStarting(OnStartingCallback, state);

            var bodyFeature = context.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
            var holdback = new HoldbackResponseBody(bodyFeature, context.Response);
            context.Features.Set<IHttpResponseBodyFeature>(holdback);
            try
            {
                await _next(context);
                try
                {
                    await CommitAsync(runtime, context, feature);
                }
                catch
                {
                    // Nothing was stored: a response that has not started must not carry the cookie.
                    feature.Session = null;
                    throw;
                }
            }
            finally
            {
                context.Features.Set(holdback.Inner);
            }

            await holdback.ReleaseAsync();
        }
        finally
        {
            context.Features.Set<TesseraFeature>(null);
        }
    }

    private async Task<Session> LoadOrCreateAsync(HttpContext context, string? cookieId, SessionCookieOptions cookieOptions)
    {
        var runtime = _runtime;
        if (cookieId is not null)
        {
            SessionData? data;
            try
            {
                data = await runtime.Store.GetAsync(cookieId, context.RequestAborted);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
            {
                TesseraLog.StoreLoadFailed(runtime.Logger, ex);
                throw;
            }

            if (data is not null)
            {
                var session = new Session(runtime, context, cookieId, runtime.Adopt(data), isNew: false);
                if (!runtime.Options.Resave)
                {
                    session.SavedEntries = session.OriginalEntries;
                }

                return session;
            }

            TesseraLog.SessionNotFound(runtime.Logger);
        }

        var id = runtime.NewId(context);
        return new Session(runtime, context, id, new SessionData(runtime.CreateCookie(context, cookieOptions)), isNew: true);
    }

    private static async Task CommitAsync(SessionRuntime runtime, HttpContext context, TesseraFeature feature)
    {
        var store = runtime.Store;
        var session = feature.Session;
        var cancellation = context.RequestAborted;
        if (session is null)
        {
            if (SessionDecisions.ShouldDestroy(feature.SessionId is not null, detached: true, runtime.Options.Unset))
            {
                await RunStoreAsync(runtime, "destroy", store.DestroyAsync(feature.SessionId!, cancellation));
            }

            return;
        }

        TouchOnce(session);
        var existing = feature.CookieId == session.Id;
        var shouldSave = SessionDecisions.ShouldSave(
            existing,
            runtime.Options.SaveUninitialized,
            savedDuringRequest: session.SavedEntries is not null,
            session.IsModified(),
            session.IsSaved());
        if (shouldSave)
        {
            session.SavedEntries = session.Snapshot();
            await RunStoreAsync(runtime, "save", store.SetAsync(session.Id, session.Data, cancellation));
        }
        else if (SessionDecisions.ShouldTouch(existing, shouldSave))
        {
            await RunStoreAsync(runtime, "touch", store.TouchAsync(session.Id, session.Data, cancellation));
        }
    }

    private static async Task RunStoreAsync(SessionRuntime runtime, string operation, ValueTask call)
    {
        try
        {
            await call;
        }
        catch (Exception ex)
        {
            TesseraLog.StoreCommitFailed(runtime.Logger, operation, ex);
            throw;
        }
    }

    private static Task OnStarting(RequestState state)
    {
        var (runtime, context, feature) = state;
        var session = feature.Session;
        if (session is null)
        {
            return Task.CompletedTask;
        }

        var shouldSetCookie = SessionDecisions.ShouldSetCookie(
            existing: feature.CookieId == session.Id,
            runtime.Options.SaveUninitialized,
            runtime.Options.Rolling,
            session.IsModified(),
            hasExpiry: session.Cookie.Expires is not null);
        if (!shouldSetCookie || (session.Cookie.Secure && !RequestSecurity.IsSecure(context, runtime.Options.Proxy)))
        {
            return Task.CompletedTask;
        }

        TouchOnce(session);
        try
        {
            runtime.AppendSetCookie(context, session);
        }
        catch (FormatException ex)
        {
            // As in express-session, the response goes on without the cookie and the error is reported.
            TesseraLog.SetCookieFailed(runtime.Logger, ex);
        }

        return Task.CompletedTask;
    }

    /// <summary>The expiry is re-armed once per request, so the cookie's Expires and the stored one agree.</summary>
    private static void TouchOnce(Session session)
    {
        if (!session.CookieTouched)
        {
            session.Cookie.ResetMaxAge();
            session.CookieTouched = true;
        }
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

    private sealed record RequestState(SessionRuntime Runtime, HttpContext Context, TesseraFeature Feature);
}
