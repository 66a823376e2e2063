using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Tessera.Middleware;

/// <summary>
/// The session middleware: reads the signed cookie, loads or creates the session, runs the rest
/// of the pipeline, then saves, touches or destroys the session and sets the cookie by
/// express-session's rules (<see cref="SessionDecisions"/>). The end of the request does not
/// depend on the client: it runs to completion, bounded by <see cref="TesseraOptions.StoreTimeout"/>,
/// even when the client has gone. Store failures are handled by <see cref="TesseraOptions.StoreFailure"/>.
/// </summary>
internal sealed class TesseraMiddleware
{
    private readonly RequestDelegate _next;
    private readonly TesseraOptions _options;
    private readonly SessionCookieCodec _codec;
    private readonly SessionServices _services;
    private readonly GuardedStore _store;
    private readonly ILogger _logger;
    private readonly TesseraMetrics _metrics;
    private readonly SessionModeSelector _modes;
    private readonly Func<object, Task> _onStarting;

    // Stores that keep expiries in whole seconds (a TTL) may report one up to a second late.
    private static readonly TimeSpan ExpiryPrecision = TimeSpan.FromSeconds(1);

    public TesseraMiddleware(RequestDelegate next, SessionCookieCodec codec, SessionServices services, GuardedStore store, TesseraMetrics metrics, SessionModeSelector modes)
    {
        _next = next;
        _options = services.Options;
        _codec = codec;
        _services = services;
        _store = store;
        _logger = services.Logger;
        _metrics = metrics;
        _modes = modes;

        // The request's feature is the callback's state: the session in it knows its request.
        _onStarting = state => OnStarting((TesseraFeature)state);
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

        // Endpoint metadata and static files are honoured before anything else: no cookie read, no store call.
        var mode = _modes.Of(context);
        if (mode == RequestSessionMode.Disabled)
        {
            await RunWithoutSessionAsync(context, disabled: true);
            return;
        }

        var cookieOptions = _services.Factory.CookieOptions(context);
        if (!IsInCookiePath(context.Request, cookieOptions.Path))
        {
            TesseraLog.PathMismatch(_logger);
            await _next(context);
            return;
        }

        if (!_store.IsReady)
        {
            TesseraLog.StoreNotReady(_logger);
            if (_options.StoreFailure == StoreFailure.ServiceUnavailable)
            {
                _metrics.StoreError("load");
                await WriteServiceUnavailableAsync(context);
                return;
            }

            await RunWithoutSessionAsync(context, disabled: false);
            return;
        }

        var cookie = _codec.Read(context);
        var feature = new TesseraFeature
        {
            Context = context,
            CookieId = cookie?.Id,
            CookieValue = cookie?.ResendValue,
            Previous = (ISessionFeature?)features[typeof(ISessionFeature)],
            ReadOnly = mode == RequestSessionMode.ReadOnly,
            IsEssential = cookieOptions.IsEssential,
        };
        try
        {
            // Bounded by the store timeout; a client that goes away while it loads ends the request.
            // A read-only endpoint, or a non-essential cookie that may lack consent, never touches as it loads.
            var found = feature.CookieId is { } cookieId
                ? await _services.Persistence.LoadAsync(cookieId, mayTouch: !feature.ReadOnly && feature.IsEssential, context.RequestAborted)
                : null;
            feature.Session = new Session(_services, StateOf(feature, found, cookieOptions));
        }
        catch (SessionStoreException) when (_options.StoreFailure == StoreFailure.ServiceUnavailable)
        {
            await WriteServiceUnavailableAsync(context);
            return;
        }
        catch (SessionStoreException) when (_options.StoreFailure == StoreFailure.ContinueWithoutSession)
        {
            await RunWithoutSessionAsync(context, disabled: false);
            return;
        }

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
                    await CommitAsync(feature);
                }
                catch (SessionStoreException) when (_options.StoreFailure != StoreFailure.Throw)
                {
                    // Nothing was stored: a response that has not started must not carry the cookie.
                    feature.Session = null;
                    if (_options.StoreFailure == StoreFailure.ServiceUnavailable)
                    {
                        holdback.Discard();
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
    /// Runs the request without a session because the endpoint opted out (<paramref name="disabled"/>)
    /// or the store is unavailable: <c>GetSession</c> says which, and
    /// <c>HttpContext.Session.IsAvailable</c> is false, as with Microsoft's session.
    /// </summary>
    private async Task RunWithoutSessionAsync(HttpContext context, bool disabled)
    {
        var feature = new TesseraFeature
        {
            Context = context,
            Disabled = disabled,
            StoreUnavailable = !disabled,
            StoreName = disabled ? null : _store.Name,
            Previous = context.Features.Get<ISessionFeature>(),
        };
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

    /// <summary>The request's session: the one loaded for its cookie, or a new one.</summary>
    private SessionState StateOf(TesseraFeature feature, LoadedSession? loaded, SessionCookieOptions cookieOptions)
    {
        if (loaded is { } found)
        {
            feature.SessionId = found.Id;
            return new SessionState(feature, found.Id, found.Data, found.Stored, storedCountsAsSaved: !_options.Resave)
            {
                ForceCookie = found.Followed,
                PolicyApplied = found.PolicyApplied,
                StoredExpires = found.StoredExpires,
                ArmedUntil = found.ArmedUntil,
            };
        }

        if (feature.CookieId is not null)
        {
            _metrics.RejectedCookie("not_found");
            TesseraLog.SessionNotFound(_logger);
        }

        var context = feature.Context;
        var id = _services.Factory.NewId(context);
        feature.SessionId = id;
        return new SessionState(feature, id, _services.Factory.NewData(context, cookieOptions));
    }

    /// <summary>
    /// Saves, touches or destroys the session at the end of the request. It does not depend on
    /// the client: a user who signs out and closes the tab is signed out. Each store call is
    /// bounded by <see cref="TesseraOptions.StoreTimeout"/>.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask CommitAsync(TesseraFeature feature)
    {
        if (SessionWriteRefusal.Reason(feature) is not null)
        {
            return; // read-only endpoint, or no consent for a non-essential cookie: nothing is written
        }

        var persistence = _services.Persistence;
        if (feature.Session is not { State: var state })
        {
            if (!feature.SessionDestroyed && SessionDecisions.ShouldDestroy(feature.SessionId is { Length: > 0 }, detached: true, _options.Unset))
            {
                await persistence.DestroyAsync(feature.SessionId!, SessionEndReason.Unset, userId: null, feature.Context, CancellationToken.None);
            }

            return;
        }

        if (!state.HasId)
        {
            return; // GenerateId gave no ID: nothing is saved, as in express-session
        }

        var existing = feature.CookieId == state.Id;
        var modified = state.IsModified();
        var rearmed = TouchOnce(state, existing, modified);
        var shouldSave = SessionDecisions.ShouldSave(
            existing,
            _options.SaveUninitialized,
            savedDuringRequest: state.HasSavedVersion,
            modified,
            state.IsSaved());
        if (shouldSave)
        {
            await persistence.WriteAsync(state, CancellationToken.None);
        }
        else if (SessionDecisions.ShouldTouch(existing, shouldSave) && rearmed)
        {
            await persistence.TouchAsync(state, CancellationToken.None);
        }
    }

    private Task OnStarting(TesseraFeature feature)
    {
        if (feature.Session is not { State: var state })
        {
            return Task.CompletedTask;
        }

        var context = feature.Context;
        if (!state.HasId || SessionWriteRefusal.Reason(feature) is not null)
        {
            return Task.CompletedTask; // no ID (as in express-session), a read-only endpoint or no consent: no cookie
        }

        var existing = feature.CookieId == state.Id;
        var modified = state.IsModified();

        // With an idle timeout the cookie slides: whether this request re-arms the expiry is
        // decided here if the commit has not decided it yet (the response may start before the
        // end-of-request commit), and the commit then re-arms the store exactly as the cookie says.
        var slidingExpiry = _options.IdleTimeout is not null && existing && TouchOnce(state, existing, modified);
        var shouldSetCookie = state.ForceCookie || SessionDecisions.ShouldSetCookie(
            existing,
            _options.SaveUninitialized,
            _options.Rolling,
            modified,
            hasExpiry: state.Data.Cookie.Expires is not null,
            slidingExpiry);
        if (!shouldSetCookie || (state.Data.Cookie.Secure && !RequestSecurity.IsSecure(context, _options.Proxy)))
        {
            return Task.CompletedTask;
        }

        TouchOnce(state, existing, modified);
        try
        {
            _codec.Write(context, state.Id, state.Data.Cookie, existing ? feature.CookieValue : null, feature.IsEssential);
        }
        catch (FormatException ex)
        {
            // As in express-session, the response goes on without the cookie and the error is reported.
            TesseraLog.SetCookieFailed(_logger, ex);
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Re-arms the expiry once per request, so the cookie's Expires and the stored one agree.
    /// With <see cref="TesseraOptions.TouchAfter"/>, an unmodified loaded session is re-armed only
    /// once the interval has passed since it was last armed (as the store reports it), and never
    /// left with an expiry beyond its lifetime. Returns whether the expiry was re-armed.
    /// </summary>
    private bool TouchOnce(SessionState state, bool existing, bool modified)
    {
        if (state.CookieTouched)
        {
            return state.CookieRearmed;
        }

        state.CookieTouched = true;
        var cookie = state.Data.Cookie;
        if (existing && !modified && _options.TouchAfter is { } touchAfter
            && !state.PolicyApplied
            && state.StoredExpires is { } expires && cookie.OriginalMaxAge is { } lifetime
            && _services.Factory.Time.GetUtcNow() is var now
            && expires - now <= lifetime + ExpiryPrecision
            && now - (expires - lifetime) < touchAfter
            && !state.CookieChanged())
        {
            state.CookieRearmed = false;
            return false;
        }

        cookie.ResetMaxAge();
        state.CookieRearmed = true;
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
