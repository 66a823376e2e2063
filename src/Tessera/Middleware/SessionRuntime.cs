using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Tessera.Cookies;
using Tessera.Serialization;

namespace Tessera.Middleware;

/// <summary>
/// What the middleware and the sessions of one application share: the options resolved once,
/// and every store operation, each bounded by <see cref="TesseraOptions.StoreTimeout"/>.
/// </summary>
internal sealed class SessionRuntime
{
    private const int MaxWriteAttempts = 10;

    private readonly TesseraOptions _options;
    private readonly CookieSigner _signer;
    private readonly VerifiedCookieCache _verified = new();
    private readonly SemaphoreSlim[] _commitLocks;
    private readonly bool _conditional;

    public SessionRuntime(TesseraOptions options, ISessionStore store, TimeProvider time, ILogger logger, TesseraMetrics metrics)
    {
        _options = options;
        Store = store;
        Time = time;
        Logger = logger;
        Metrics = metrics;
        _signer = new CookieSigner(options.Secrets);
        JsonOptions = options.JsonSerializerOptions;
        JsonOptions.MakeReadOnly(populateMissingResolver: true);
        _conditional = options.ConditionalWrites && store.SupportsConditionalWrites;
        _commitLocks = new SemaphoreSlim[_conditional ? 64 : 0];
        for (var i = 0; i < _commitLocks.Length; i++)
        {
            _commitLocks[i] = new SemaphoreSlim(1, 1);
        }
    }

    public TesseraOptions Options => _options;

    public ISessionStore Store { get; }

    public TimeProvider Time { get; }

    public ILogger Logger { get; }

    public TesseraMetrics Metrics { get; }

    public JsonSerializerOptions JsonOptions { get; }

    public SessionCookieOptions ResolveCookieOptions(HttpContext context) =>
        _options.CookieSelector is { } selector
            ? selector(context) ?? throw new InvalidOperationException("TesseraOptions.CookieSelector returned null.")
            : _options.Cookie;

    /// <summary>The cookie of a new session, with express's <c>'auto'</c> values resolved for this request.</summary>
    public SessionCookie CreateCookie(HttpContext context, SessionCookieOptions options, DateTimeOffset? deadline)
    {
        var cookie = new SessionCookie(Time)
        {
            Path = options.Path,
            HttpOnly = options.HttpOnly,
            Domain = options.Domain,
            Priority = options.Priority,
            Deadline = deadline,
        };
        if (options.Partitioned)
        {
            cookie.Partitioned = true;
        }

        var needsSecurity = options.Secure == CookieSecurePolicy.SameAsRequest || options.SameSiteAuto;
        var secure = needsSecurity && RequestSecurity.IsSecure(context, _options.Proxy);
        switch (options.Secure)
        {
            case CookieSecurePolicy.Always:
                cookie.Secure = true;
                break;
            case CookieSecurePolicy.SameAsRequest:
                cookie.Secure = secure;
                break;
        }

        if (options.SameSiteAuto)
        {
            cookie.SameSite = secure ? SameSiteMode.None : SameSiteMode.Lax;
        }
        else if (options.SameSite is { } sameSite and not SameSiteMode.Unspecified)
        {
            cookie.SameSite = sameSite;
        }

        cookie.MaxAge = _options.IdleTimeout ?? options.MaxAge;
        return cookie;
    }

    /// <summary>The document of a new session: its cookie, and its creation time when an absolute timeout applies.</summary>
    public SessionData CreateData(HttpContext context, SessionCookieOptions options)
    {
        if (_options.AbsoluteTimeout is not { } absolute)
        {
            return new SessionData(CreateCookie(context, options, deadline: null));
        }

        var created = SessionCookie.TruncateToMilliseconds(Time.GetUtcNow());
        return new SessionData(CreateCookie(context, options, created + absolute))
        {
            Metadata = new SessionMetadata { Created = created },
        };
    }

    public string NewId(HttpContext context)
    {
        if (_options.GenerateId is not { } generate)
        {
            return DefaultSessionIdGenerator.Generate();
        }

        var id = generate(context);
        if (string.IsNullOrEmpty(id))
        {
            throw new InvalidOperationException("TesseraOptions.GenerateId returned a null or empty session ID.");
        }

        return id;
    }

    /// <summary>The key under which the store holds a session.</summary>
    public string StoreKey(string sessionId) => StoreKeys.For(sessionId, _options);

    /// <summary>
    /// Reads the verified session ID from the request's cookie, or null. A cookie value verified
    /// before is recognised without computing its signature again.
    /// </summary>
    public VerifiedCookieCache.Entry? ReadCookie(HttpContext context)
    {
        if (!CookieHeaderParser.TryGetFirstRaw(context.Request.Headers.Cookie, _options.Name, out var raw) || raw.IsEmpty)
        {
            return null;
        }

        if (_verified.TryGet(raw, out var known))
        {
            // A validation callback is the application's to answer each time (it may revoke IDs).
            if (_options.ValidateId is { } validate && !validate(known.Id))
            {
                Metrics.RejectedCookie("bad_id");
                TesseraLog.RejectedId(Logger);
                return null;
            }

            return known;
        }

        var value = CookieHeaderParser.Decode(raw, stackalloc char[CookieSigner.MaxValueLength]);
        if (!value.StartsWith("s:", StringComparison.Ordinal))
        {
            Metrics.RejectedCookie("unsigned");
            TesseraLog.UnsignedCookie(Logger);
            return null;
        }

        var id = _signer.Unsign(value[2..], out var signedByFirst);
        if (id is null)
        {
            Metrics.RejectedCookie("bad_signature");
            TesseraLog.BadSignature(Logger);
            return null;
        }

        if (!IsAcceptableId(id))
        {
            Metrics.RejectedCookie("bad_id");
            TesseraLog.RejectedId(Logger);
            return null;
        }

        // Sent back as is only when it is what signing the ID now would give, byte for byte: the
        // newest secret's signature, encoded as this application encodes it (no second HMAC).
        var resendable = signedByFirst
            && raw.SequenceEqual(CookieSigner.EncodeCookieValue(id, value[^CookieSigner.SignatureLength..], stackalloc char[CookieSigner.MaxValueLength]));
        return _verified.Add(raw, id, resendable);
    }

    private bool IsAcceptableId(string id)
    {
        if (_options.ValidateId is { } validate)
        {
            return validate(id);
        }

        if (_options.GenerateId is not null)
        {
            return id.Length is > 0 and <= 1024;
        }

        if (id.Length != DefaultSessionIdGenerator.Length)
        {
            return false;
        }

        foreach (var c in id)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Sends the session's cookie: the request's own value when it carries the same ID and is what would be sent.</summary>
    public void AppendSetCookie(HttpContext context, Session session, string? resendValue)
    {
        Span<char> buffer = stackalloc char[CookieSigner.MaxValueLength];
        var value = resendValue is null ? _signer.SignCookieValue(session.Id, buffer) : resendValue;
        context.Response.Headers.Append(Microsoft.Net.Http.Headers.HeaderNames.SetCookie, SetCookieHeader.Build(_options.Name, value, session.Cookie));
    }

    public static void Attach(HttpContext context, Session session)
    {
        if (context.Features.Get<TesseraFeature>() is { } feature)
        {
            feature.Session = session;
            feature.SessionId = session.Id;
        }
    }

    public static void Detach(HttpContext context, Session session)
    {
        if (context.Features.Get<TesseraFeature>() is { } feature && ReferenceEquals(feature.Session, session))
        {
            feature.Session = null;
            feature.SessionDestroyed = true;
        }
    }

    // ----- Store operations -----

    /// <summary>
    /// Loads a session for a request: follows the old ID of a renewed session during its grace
    /// period, and destroys a session past its absolute deadline. Null when there is none.
    /// </summary>
    public async ValueTask<(string Id, SessionData Data, bool Followed)?> LoadAsync(string id, CancellationToken cancellationToken)
    {
        var data = await GetAsync(id, cancellationToken);
        var followed = false;
        if (data?.RenewedTo is { } renewedTo)
        {
            if (data.Metadata!.FollowUntil is not { } until || until <= Time.GetUtcNow())
            {
                return null;
            }

            id = renewedTo;
            data = await GetAsync(id, cancellationToken);
            followed = true;
            if (data?.RenewedTo is not null)
            {
                return null; // renewed again: an old ID leads one step only
            }
        }

        if (data is null)
        {
            return null;
        }

        if (_options.AbsoluteTimeout is { } absolute)
        {
            data.Metadata ??= new SessionMetadata();
            data.Metadata.Created ??= SessionCookie.TruncateToMilliseconds(Time.GetUtcNow());
            var deadline = data.Metadata.Created.Value + absolute;
            if (deadline <= Time.GetUtcNow())
            {
                TesseraLog.SessionPastAbsoluteTimeout(Logger);
                await DestroyAsync(id, SessionEndReason.AbsoluteTimeout, data.UserId, context: null, cancellationToken);
                return null;
            }

            data.Cookie.Deadline = deadline;
        }

        Metrics.Loaded();
        return (id, data, followed);
    }

    private async ValueTask<SessionData?> GetAsync(string id, CancellationToken cancellationToken)
    {
        var data = await StoreGetAsync(StoreKey(id), cancellationToken);
        if (data is not null && !ReferenceEquals(data.Cookie.Time, Time))
        {
            var version = data.StoreVersion;
            data = new SessionData(data.Cookie.WithTime(Time), data.Values, data.CookieIndex, data.Metadata) { StoreVersion = version };
        }

        return data;
    }

    /// <summary>The stored session as it is now, for <see cref="Session.ReloadAsync"/>.</summary>
    public async ValueTask<SessionData?> ReloadAsync(Session session, CancellationToken cancellationToken)
    {
        var data = await GetAsync(session.Id, cancellationToken);
        if (data is not null && session.Cookie.Deadline is { } deadline)
        {
            data.Cookie.Deadline = deadline;
        }

        return data is { RenewedTo: null } ? data : null;
    }

    /// <summary>Destroys a session, counts it and raises <see cref="TesseraOptions.OnDestroyed"/>.</summary>
    public async ValueTask DestroyAsync(string id, SessionEndReason reason, string? userId, HttpContext? context, CancellationToken cancellationToken)
    {
        await StoreDestroyAsync(StoreKey(id), cancellationToken);
        Metrics.Destroyed(reason);
        await RaiseAsync(_options.OnDestroyed, new SessionLifecycleEvent(id, userId, context) { Reason = reason });
    }

    public async ValueTask TouchAsync(Session session, CancellationToken cancellationToken)
    {
        await StoreTouchAsync(StoreKey(session.Id), session.Data, cancellationToken);
        Metrics.Touched();
    }

    /// <summary>Runs a lifecycle callback; its failure is logged, never thrown into the request.</summary>
    public async ValueTask RaiseAsync(Func<SessionLifecycleEvent, Task>? handler, SessionLifecycleEvent lifecycleEvent)
    {
        if (handler is null)
        {
            return;
        }

        try
        {
            await handler(lifecycleEvent);
        }
        catch (Exception ex)
        {
            TesseraLog.EventHandlerFailed(Logger, ex);
        }
    }

    /// <summary>Counts a successful write, and announces a new session the first time it is stored.</summary>
    private async ValueTask WrittenAsync(Session session, HttpContext? context)
    {
        Metrics.Saved();
        if (session.IsNew && !session.CreationAnnounced)
        {
            session.CreationAnnounced = true;
            Metrics.Created();
            if (_options.OnCreated is { } onCreated)
            {
                await RaiseAsync(onCreated, new SessionLifecycleEvent(session.Id, session.UserId, context));
            }
        }
    }

    /// <summary>
    /// Writes the session. A session read from a store with conditional writes is written only
    /// over the version it read; when another request changed it in between, this request's
    /// key-level changes are applied to the latest version and the write is tried again. Returns
    /// false, and writes nothing, when the session was destroyed (or renewed away) meanwhile.
    /// </summary>
    public async Task<bool> WriteAsync(Session session, CancellationToken cancellationToken)
    {
        if (!_conditional || session.Data.StoreVersion is null)
        {
            await StoreSetAsync(StoreKey(session.Id), session.Data, cancellationToken);
            await WrittenAsync(session, session.Context);
            return true;
        }

        var commitLock = _commitLocks[(int)((uint)StringComparer.Ordinal.GetHashCode(session.Id) % (uint)_commitLocks.Length)];
        await commitLock.WaitAsync(cancellationToken);
        bool written;
        try
        {
            written = await WriteConditionallyAsync(session, cancellationToken);
        }
        finally
        {
            commitLock.Release();
        }

        if (written)
        {
            await WrittenAsync(session, session.Context);
        }

        return written;
    }

    private async Task<bool> WriteConditionallyAsync(Session session, CancellationToken cancellationToken)
    {
        SessionChanges? changes = null;
        for (var attempt = 1; attempt <= MaxWriteAttempts; attempt++)
        {
            var data = session.Data;
            if (await StoreTrySetAsync(StoreKey(session.Id), data, data.StoreVersion!, cancellationToken))
            {
                return true;
            }

            Metrics.WriteConflict();
            TesseraLog.WriteConflict(Logger, attempt);
            changes ??= session.Changes();
            var latest = await GetAsync(session.Id, cancellationToken);
            if (latest?.RenewedTo is { } renewedTo)
            {
                // Renewed by another request: this request's changes belong to the new ID.
                latest = latest.Metadata!.FollowUntil > Time.GetUtcNow() ? await GetAsync(renewedTo, cancellationToken) : null;
                if (latest is { RenewedTo: null })
                {
                    session.MoveTo(renewedTo);
                }
                else
                {
                    latest = null;
                }
            }

            if (latest is null)
            {
                Metrics.CommitDropped();
                TesseraLog.CommitDropped(Logger);
                return false;
            }

            session.Rebase(latest, changes);
        }

        throw new SessionStoreException("save", $"The session kept changing under this request: {MaxWriteAttempts} conditional writes in a row found a newer version.", null);
    }

    /// <summary>
    /// Moves the session to a new ID: writes it under the new ID, then turns the old ID into a
    /// marker that leads to the new one for <see cref="TesseraOptions.RenewGracePeriod"/> and
    /// refuses every later write (or destroys it). When another request renewed or destroyed the
    /// session first, the session follows that renewal or is destroyed instead.
    /// </summary>
    public async Task RenewAsync(Session session, HttpContext context, CancellationToken cancellationToken)
    {
        var previousId = session.Id;
        await RenewCoreAsync(session, context, cancellationToken);
        if (!session.IsDestroyed && session.Id != previousId)
        {
            Metrics.Renewed();
            await RaiseAsync(_options.OnRenewed, new SessionLifecycleEvent(session.Id, session.UserId, context) { PreviousSessionId = previousId });
        }
    }

    private async Task RenewCoreAsync(Session session, HttpContext context, CancellationToken cancellationToken)
    {
        var oldId = session.Id;
        var oldVersion = session.Data.StoreVersion;
        var newId = NewId(context);
        var data = session.Data;
        await StoreSetAsync(StoreKey(newId), data, cancellationToken);
        Metrics.Saved();
        var newVersion = data.StoreVersion;

        // The old ID becomes a marker that leads to the new one until the grace period ends and
        // then expires. With no grace period it expires at once: writing it is then a conditional
        // delete, which still makes a concurrent renewal of the same session fail.
        var now = SessionCookie.TruncateToMilliseconds(Time.GetUtcNow());
        var marker = new SessionData(new SessionCookie(Time) { MaxAge = _options.RenewGracePeriod })
        {
            Metadata = new SessionMetadata { RenewedTo = newId, FollowUntil = now + _options.RenewGracePeriod },
        };

        if (!_conditional || oldVersion is null)
        {
            if (_options.RenewGracePeriod > TimeSpan.Zero)
            {
                await StoreSetAsync(StoreKey(oldId), marker, cancellationToken);
            }
            else
            {
                await StoreDestroyAsync(StoreKey(oldId), cancellationToken);
            }

            session.MoveTo(newId);
            data.StoreVersion = newVersion;
            return;
        }

        if (await StoreTrySetAsync(StoreKey(oldId), marker, oldVersion, cancellationToken))
        {
            session.MoveTo(newId);
            data.StoreVersion = newVersion;
            return;
        }

        // The old ID changed since this request read it: renewed, destroyed or written by another request.
        await StoreDestroyAsync(StoreKey(newId), cancellationToken);
        var latest = await LoadAsync(oldId, cancellationToken);
        if (latest is not { } found)
        {
            Metrics.CommitDropped();
            TesseraLog.CommitDropped(Logger);
            session.MarkDestroyed();
            return;
        }

        var changes = session.Changes();
        session.Rebase(found.Data, changes);
        if (found.Followed)
        {
            session.MoveTo(found.Id); // another request renewed it: share that renewal
            return;
        }

        await RenewCoreAsync(session, context, cancellationToken);
    }

    private ValueTask<SessionData?> StoreGetAsync(string key, CancellationToken cancellationToken)
    {
        var call = StoreCall.Begin("load", Metrics);
        try
        {
            return Guard(call, Store.GetAsync(key, cancellationToken), cancellationToken);
        }
        catch (Exception ex) when (IsStoreFailure(ex, cancellationToken))
        {
            throw Failure(call, ex);
        }
    }

    private ValueTask StoreSetAsync(string key, SessionData data, CancellationToken cancellationToken)
    {
        var call = StoreCall.Begin("save", Metrics);
        try
        {
            return Guard(call, Store.SetAsync(key, data, cancellationToken), cancellationToken);
        }
        catch (Exception ex) when (IsStoreFailure(ex, cancellationToken))
        {
            throw Failure(call, ex);
        }
    }

    private ValueTask<bool> StoreTrySetAsync(string key, SessionData data, object expectedVersion, CancellationToken cancellationToken)
    {
        var call = StoreCall.Begin("save", Metrics);
        try
        {
            return Guard(call, Store.TrySetAsync(key, data, expectedVersion, cancellationToken), cancellationToken);
        }
        catch (Exception ex) when (IsStoreFailure(ex, cancellationToken))
        {
            throw Failure(call, ex);
        }
    }

    private ValueTask StoreDestroyAsync(string key, CancellationToken cancellationToken)
    {
        var call = StoreCall.Begin("destroy", Metrics);
        try
        {
            return Guard(call, Store.DestroyAsync(key, cancellationToken), cancellationToken);
        }
        catch (Exception ex) when (IsStoreFailure(ex, cancellationToken))
        {
            throw Failure(call, ex);
        }
    }

    private ValueTask StoreTouchAsync(string key, SessionData data, CancellationToken cancellationToken)
    {
        var call = StoreCall.Begin("touch", Metrics);
        try
        {
            return Guard(call, Store.TouchAsync(key, data, cancellationToken), cancellationToken);
        }
        catch (Exception ex) when (IsStoreFailure(ex, cancellationToken))
        {
            throw Failure(call, ex);
        }
    }

    /// <summary>Awaits a store call within the store timeout; a failure becomes a logged <see cref="SessionStoreException"/>.</summary>
    private ValueTask Guard(StoreCall call, ValueTask task, CancellationToken cancellationToken)
    {
        if (task.IsCompletedSuccessfully)
        {
            call.End(Metrics);
            return ValueTask.CompletedTask;
        }

        return GuardSlow(call, task, cancellationToken);
    }

    private async ValueTask GuardSlow(StoreCall call, ValueTask task, CancellationToken cancellationToken)
    {
        try
        {
            await task.AsTask().WaitAsync(_options.StoreTimeout, Time, cancellationToken);
            call.End(Metrics);
        }
        catch (Exception ex) when (IsStoreFailure(ex, cancellationToken))
        {
            throw Failure(call, ex);
        }
        catch
        {
            call.End(Metrics); // the request was cancelled
            throw;
        }
    }

    private ValueTask<T> Guard<T>(StoreCall call, ValueTask<T> task, CancellationToken cancellationToken)
    {
        if (task.IsCompletedSuccessfully)
        {
            call.End(Metrics);
            return task;
        }

        return GuardSlow(call, task, cancellationToken);
    }

    private async ValueTask<T> GuardSlow<T>(StoreCall call, ValueTask<T> task, CancellationToken cancellationToken)
    {
        try
        {
            var result = await task.AsTask().WaitAsync(_options.StoreTimeout, Time, cancellationToken);
            call.End(Metrics);
            return result;
        }
        catch (Exception ex) when (IsStoreFailure(ex, cancellationToken))
        {
            throw Failure(call, ex);
        }
        catch
        {
            call.End(Metrics); // the request was cancelled
            throw;
        }
    }

    /// <summary>A cancelled request is not a store failure; anything else the store throws is.</summary>
    private static bool IsStoreFailure(Exception ex, CancellationToken cancellationToken) =>
        ex is not SessionStoreException && !(ex is OperationCanceledException && cancellationToken.IsCancellationRequested);

    private SessionStoreException Failure(StoreCall call, Exception ex)
    {
        var operation = call.Operation;
        call.Fail(Metrics, ex);
        Metrics.StoreError(operation);
        var message = ex is TimeoutException
            ? $"The session store did not answer the {operation} within {_options.StoreTimeout.TotalSeconds:0.###} s (TesseraOptions.StoreTimeout)."
            : $"The session store failed during {operation}: {ex.Message}";
        TesseraLog.StoreFailed(Logger, operation, ex);
        return new SessionStoreException(operation, message, ex);
    }
}
