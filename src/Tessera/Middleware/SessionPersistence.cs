using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Tessera.Diagnostics;

namespace Tessera.Middleware;

/// <summary>
/// Everything a session does with its store: load (following renewals, enforcing the timeouts),
/// write (conditionally, re-applying only this request's changes on a conflict), renew, destroy,
/// touch, and the lifecycle events that go with them. Every call goes through <see cref="GuardedStore"/>.
/// </summary>
internal sealed class SessionPersistence
{
    // A conflicting write is tried again while another process keeps committing the same
    // session, for at most StoreTimeout after its first conflict; this many attempts bound the
    // loop when time does not move (a store that reports a conflict without one).
    private const int MaxWriteAttempts = 100;

    private const int CommitLockStripes = 1024;

    // How far a touch's new expiry may be from the one the load set for it to need no second
    // touch: a request's own duration, well within the whole seconds of a TTL.
    private static readonly TimeSpan ArmedPrecision = TimeSpan.FromSeconds(1);

    private readonly TesseraOptions _options;
    private readonly GuardedStore _store;
    private readonly SessionFactory _factory;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TesseraMetrics _metrics;
    private readonly SemaphoreSlim?[] _commitLocks;
    private readonly bool _conditional;
    private readonly bool _armOnLoad;

    public SessionPersistence(TesseraOptions options, GuardedStore store, SessionFactory factory, ILogger logger, TesseraMetrics metrics)
    {
        _options = options;
        _store = store;
        _factory = factory;
        _time = factory.Time;
        _logger = logger;
        _metrics = metrics;
        _conditional = options.ConditionalWrites && store.Conditional is not null;
        _armOnLoad = options.TouchAfter is null && options.IdleTimeout is null && store.SupportsTouchOnRead;
        _commitLocks = new SemaphoreSlim?[_conditional ? CommitLockStripes : 0];
    }

    /// <summary>
    /// Loads a session for a request: follows the old ID of a renewed session during its grace
    /// period (never across a change of user), and applies the timeouts to every session, those
    /// written by another app or before a timeout was switched on included. Null when there is none.
    /// </summary>
    /// <param name="id">The session ID from the cookie.</param>
    /// <param name="mayTouch">
    /// Whether the request may re-arm the session's expiry: false for a read-only endpoint and for a
    /// session that may not be kept without consent, whose load then never touches.
    /// </param>
    /// <param name="cancellationToken">Cancels the load.</param>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<LoadedSession?> LoadAsync(string id, bool mayTouch, CancellationToken cancellationToken)
    {
        var armedUntil = mayTouch ? ArmOnLoad() : null;
        var data = armedUntil is { } until
            ? Adopt(await _store.GetAndTouchAsync(Key(id), until, cancellationToken))
            : await GetAsync(id, cancellationToken);
        if (data is null)
        {
            return null;
        }

        var followed = false;
        if (data.RenewedTo is not null)
        {
            armedUntil = null; // the touch moved the old ID's marker, not the session it leads to
            if (await FollowAsync(id, data, follower: null, cancellationToken) is not { } next)
            {
                return null;
            }

            (id, data) = next;
            followed = true;
        }

        var stored = SessionSnapshot.Of(data);
        var storedExpires = data.StoreExpires ?? data.Cookie.Expires;
        var now = _time.GetUtcNow();
        var policyApplied = false;
        if (_options.IdleTimeout is { } idle)
        {
            if (data.LastSeen is { } lastSeen && lastSeen + idle <= now)
            {
                await DestroyAsync(id, SessionEndReason.IdleTimeout, data.UserId, context: null, cancellationToken);
                return null;
            }

            if (data.Cookie.OriginalMaxAge != idle)
            {
                data.Cookie.MaxAge = idle; // the lifetime is the idle timeout, whoever wrote the session
                policyApplied = true;
            }
        }

        if (_options.AbsoluteTimeout is { } absolute)
        {
            var metadata = data.Metadata ??= new Serialization.SessionMetadata();
            if (metadata.Created is null)
            {
                metadata.Created = SessionCookie.TruncateToMilliseconds(now); // recorded, so the deadline holds from now on
                policyApplied = true;
            }

            var deadline = metadata.Created.Value + absolute;
            if (deadline <= now)
            {
                TesseraLog.SessionPastAbsoluteTimeout(_logger);
                await DestroyAsync(id, SessionEndReason.AbsoluteTimeout, data.UserId, context: null, cancellationToken);
                return null;
            }

            data.Cookie.Deadline = deadline;
        }

        _metrics.Loaded();
        return new LoadedSession(id, data, stored, followed, policyApplied, storedExpires, armedUntil);
    }

    /// <summary>
    /// The expiry to give a session as it is loaded, when the request will re-arm it anyway and
    /// the store can do both in one call: without <see cref="TesseraOptions.TouchAfter"/> every
    /// request that neither saves nor destroys its session touches it, and one that saves or
    /// destroys it sets its expiry again. Not with <see cref="TesseraOptions.IdleTimeout"/>, which
    /// tells an idle session by the expiry the store had before the request. Null when the load is
    /// a plain read.
    /// </summary>
    private DateTimeOffset? ArmOnLoad() =>
        _armOnLoad && _options.Cookie.MaxAge is { } lifetime && lifetime > TimeSpan.Zero
            ? SessionCookie.TruncateToMilliseconds(_time.GetUtcNow() + lifetime)
            : null;

    /// <summary>Replaces the session's data with what the store holds now; false when it no longer has it.</summary>
    public async ValueTask<bool> ReloadAsync(SessionState state, CancellationToken cancellationToken)
    {
        var data = await GetAsync(state.Id, cancellationToken);
        if (data is null || data.RenewedTo is not null)
        {
            return false;
        }

        data.Cookie.Deadline = state.Data.Cookie.Deadline;
        state.Reloaded(data);
        return true;
    }

    /// <summary>
    /// Writes the session. A session read from a store with conditional writes is written only
    /// over the version this request last read or wrote; when another request changed it in
    /// between, this request's changes are applied to the latest version and the write is tried
    /// again. Returns false, and writes nothing, when the session was destroyed meanwhile (or
    /// renewed away across a change of user).
    /// </summary>
    public ValueTask<bool> WriteAsync(SessionState state, CancellationToken cancellationToken)
    {
        if (!state.HasId)
        {
            return new ValueTask<bool>(false); // GenerateId gave no ID: the session is never saved
        }

        // One method per kind of write, each awaited directly by the caller: no frame in between.
        return !_conditional || state.Data.StoreVersion is null
            ? WriteUnconditionallyAsync(state, cancellationToken)
            : WriteConditionallyAsync(state, cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> WriteUnconditionallyAsync(SessionState state, CancellationToken cancellationToken)
    {
        state.Data.StoreVersion = await _store.SetAsync(Key(state.Id), state.Data, cancellationToken);
        state.Written();
        await WrittenAsync(state);
        return true;
    }

    /// <summary>
    /// The lock of a session's stripe, made on first use. Two sessions of one stripe wait for
    /// each other's writes (a store round trip), so there are many more stripes than requests in
    /// flight: with 32 writes at once, one in 33 meets another of its stripe (one in two with 64).
    /// </summary>
    private SemaphoreSlim CommitLock(string id)
    {
        ref var stripe = ref _commitLocks[(int)((uint)StringComparer.Ordinal.GetHashCode(id) % (uint)_commitLocks.Length)];
        return Volatile.Read(ref stripe) ?? Interlocked.CompareExchange(ref stripe, new SemaphoreSlim(1, 1), null) ?? stripe;
    }

    /// <summary>
    /// Writes over the version this request last read or wrote, under the session's commit lock
    /// (this process's writes of one session go one at a time); on a conflict, re-applies this
    /// request's changes to the latest version and tries again.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> WriteConditionallyAsync(SessionState state, CancellationToken cancellationToken)
    {
        var commitLock = CommitLock(state.Id);
        if (!commitLock.Wait(0, CancellationToken.None))
        {
            await _store.EnterAsync(commitLock, Key(state.Id), cancellationToken);
        }

        try
        {
            var firstConflict = 0L;
            for (var attempt = 1; ; attempt++)
            {
                var data = state.Data;
                if (await _store.TrySetAsync(Key(state.Id), data, data.StoreVersion!, cancellationToken) is { } version)
                {
                    data.StoreVersion = version;
                    state.Written();
                    break;
                }

                _metrics.WriteConflict();
                TesseraLog.WriteConflict(_logger, attempt);
                if (attempt == 1)
                {
                    firstConflict = _time.GetTimestamp();
                }

                var changes = state.Changes();
                var latest = await GetAsync(state.Id, cancellationToken);
                if (latest?.RenewedTo is not null)
                {
                    // Renewed by another request: this request's changes follow the session to its
                    // new ID, unless the renewal changed the user.
                    if (await FollowAsync(state.Id, latest, state, cancellationToken) is { } next)
                    {
                        state.MoveTo(next.Id);
                        latest = next.Data;
                    }
                    else
                    {
                        latest = null;
                    }
                }

                if (latest is null)
                {
                    Dropped(state);
                    return false;
                }

                state.Rebase(latest, changes);
                if (!MayTryAgain(attempt, firstConflict))
                {
                    throw KeptChanging(state.Id, "conditional writes", attempt, firstConflict);
                }
            }
        }
        finally
        {
            commitLock.Release();
        }

        await WrittenAsync(state);
        return true;
    }

    /// <summary>
    /// Moves the session to a new ID: writes it under the new ID, then turns the old ID into a
    /// <see cref="RenewalMarker"/> over the version this request read, so no request can write
    /// to the old ID again. When another request renewed or destroyed the session first, this one
    /// joins that renewal (same user, within the grace period) or is destroyed. Returns false
    /// when the session was destroyed.
    /// </summary>
    public async ValueTask<bool> RenewAsync(SessionState state, CancellationToken cancellationToken)
    {
        var previousId = state.Id;
        var firstConflict = 0L;
        for (var attempt = 1; ; attempt++)
        {
            switch (await TryRenewAsync(state, cancellationToken))
            {
                case RenewOutcome.Renewed:
                    _metrics.Renewed();
                    await RaiseAsync(_options.OnRenewed, new SessionLifecycleEvent(state.Id, state.Data.UserId, state.Context) { PreviousSessionId = previousId });
                    return true;
                case RenewOutcome.Joined:
                    return true;
                case RenewOutcome.Destroyed:
                    Dropped(state);
                    return false;
            }

            if (attempt == 1)
            {
                firstConflict = _time.GetTimestamp();
            }

            if (!MayTryAgain(attempt, firstConflict))
            {
                throw KeptChanging(previousId, "renewals", attempt, firstConflict);
            }
        }
    }

    /// <summary>
    /// Whether a write that met a newer version may try again: for <see cref="TesseraOptions.StoreTimeout"/>
    /// after its first conflict (other processes committing the same session, each commit a
    /// store call, soon let it through) and at most <see cref="MaxWriteAttempts"/> times.
    /// </summary>
    private bool MayTryAgain(int attempt, long firstConflict) =>
        attempt < MaxWriteAttempts && _time.GetElapsedTime(firstConflict) < _options.StoreTimeout;

    /// <summary>The failure of a write that stopped trying again, logged and counted as a store call's failure is.</summary>
    private SessionStoreException KeptChanging(string id, string writes, int attempts, long firstConflict)
    {
        _metrics.StoreError("save");
        var exception = new SessionStoreException(
            "save",
            $"The session kept changing under this request: {attempts} {writes} in a row found a newer version, over {_time.GetElapsedTime(firstConflict).TotalSeconds:0.###} s (TesseraOptions.StoreTimeout is {_options.StoreTimeout.TotalSeconds:0.###} s).",
            null);
        TesseraLog.StoreFailed(_logger, "save", SessionIdRedaction.Tag(Key(id)), exception);
        return exception;
    }

    private async ValueTask<RenewOutcome> TryRenewAsync(SessionState state, CancellationToken cancellationToken)
    {
        var oldId = state.Id;
        var data = state.Data;
        var oldVersion = data.StoreVersion;
        var newId = _factory.NewId(state.Context);
        if (newId.Length == 0)
        {
            // Nowhere to move the session to: it stays where it is, under its current ID.
            throw new InvalidOperationException("The session ID could not be renewed: TesseraOptions.GenerateId returned a null or empty session ID.");
        }

        var newVersion = await _store.SetAsync(Key(newId), data, cancellationToken);
        _metrics.Saved();

        var marker = RenewalMarker.Create(oldId, newId, data.UserId, leads: !state.UserChanged, _options, _time);
        if (!_conditional || oldVersion is null)
        {
            if (marker.RenewedTo is not null)
            {
                await _store.SetAsync(Key(oldId), marker, cancellationToken);
            }
            else
            {
                await _store.DestroyAsync(Key(oldId), cancellationToken);
            }
        }
        else if (await _store.TrySetAsync(Key(oldId), marker, oldVersion, cancellationToken) is null)
        {
            // The old ID changed since this request read it: renewed, destroyed or written by another request.
            await _store.DestroyAsync(Key(newId), cancellationToken);
            var changes = state.Changes();
            var latest = await GetAsync(oldId, cancellationToken);
            if (latest?.RenewedTo is not null)
            {
                if (await FollowAsync(oldId, latest, state, cancellationToken) is not { } next)
                {
                    return RenewOutcome.Destroyed;
                }

                // Another request renewed it first: share that renewal; this request's changes
                // are written with the session at the end of the request.
                state.Rebase(next.Data, changes);
                state.MoveTo(next.Id);
                return RenewOutcome.Joined;
            }

            if (latest is null)
            {
                return RenewOutcome.Destroyed;
            }

            state.Rebase(latest, changes);
            return RenewOutcome.Retry;
        }

        data.StoreVersion = newVersion;
        state.MoveTo(newId);
        state.Written();
        return RenewOutcome.Renewed;
    }

    /// <summary>Destroys a session, counts it and raises <see cref="TesseraOptions.OnDestroyed"/>.</summary>
    public async ValueTask DestroyAsync(string id, SessionEndReason reason, string? userId, HttpContext? context, CancellationToken cancellationToken)
    {
        if (id.Length == 0)
        {
            return; // a session GenerateId gave no ID was never stored
        }

        await _store.DestroyAsync(Key(id), cancellationToken);
        _metrics.Destroyed(reason);
        await RaiseAsync(_options.OnDestroyed, new SessionLifecycleEvent(id, userId, context) { Reason = reason });
    }

    /// <summary>Records activity on an unmodified session: the store takes its re-armed expiry.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask TouchAsync(SessionState state, CancellationToken cancellationToken)
    {
        if (!state.HasId)
        {
            return;
        }

        // The load already moved the expiry there (ITouchOnReadSessionStore): nothing to send,
        // unless the session has a user, whose index the store extends on touch, or the request
        // changed the cookie's lifetime or attributes, which a store may keep on touch.
        if (state.ArmedUntil is not { } armed || state.Id != state.OriginalId || state.Data.UserId is not null
            || state.Data.Cookie.Expires is not { } expires || (expires - armed).Duration() > ArmedPrecision
            || state.CookieChanged())
        {
            await _store.TouchAsync(Key(state.Id), state.Data, cancellationToken);
        }

        _metrics.Touched();
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
            // The callback had the IDs: whatever it threw may name them.
            var redacted = SessionIdRedaction.Copy(ex, lifecycleEvent.SessionId, lifecycleEvent.PreviousSessionId);
            TesseraLog.EventHandlerFailed(_logger, redacted);
        }
    }

    /// <summary>
    /// Where a renewal marker leads: the renewed session, while the grace period lasts and the
    /// session still has the user it was renewed with (and, for a request in flight, the user
    /// that request read). Never across a change of user.
    /// </summary>
    private async ValueTask<(string Id, SessionData Data)?> FollowAsync(string oldId, SessionData marker, SessionState? follower, CancellationToken cancellationToken)
    {
        if (RenewalMarker.NewIdOf(marker, oldId, _options, _time.GetUtcNow()) is not { } newId)
        {
            return null;
        }

        var user = RenewalMarker.UserOf(marker);
        if (follower is not null && follower.StoredUserId != user)
        {
            return null;
        }

        var data = await GetAsync(newId, cancellationToken);
        if (data is null || data.RenewedTo is not null || data.UserId != user)
        {
            return null; // gone, renewed again (an old ID leads one step only), or another user's now
        }

        return (newId, data);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<SessionData?> GetAsync(string id, CancellationToken cancellationToken) =>
        Adopt(await _store.GetAsync(Key(id), cancellationToken));

    /// <summary>A session as the store gave it, on this runtime's clock.</summary>
    private SessionData? Adopt(SessionData? data)
    {
        if (data is not null && !ReferenceEquals(data.Cookie.Time, _time))
        {
            data = new SessionData(data.Cookie.WithTime(_time), data.Values, data.CookieIndex, data.Metadata)
            {
                StoreVersion = data.StoreVersion,
                StoreExpires = data.StoreExpires,
            };
        }

        return data;
    }

    /// <summary>Counts a successful write, and announces a new session the first time it is stored.</summary>
    private async ValueTask WrittenAsync(SessionState state)
    {
        _metrics.Saved();
        if (state.IsNew && !state.CreationAnnounced)
        {
            state.CreationAnnounced = true;
            _metrics.Created();
            if (_options.OnCreated is { } onCreated)
            {
                await RaiseAsync(onCreated, new SessionLifecycleEvent(state.Id, state.Data.UserId, state.Context));
            }
        }
    }

    private void Dropped(SessionState state)
    {
        _metrics.CommitDropped();
        TesseraLog.CommitDropped(_logger);
        state.Destroyed();
    }

    private string Key(string id) => StoreKeys.For(id, _options);

    private enum RenewOutcome
    {
        Renewed,
        Joined,
        Destroyed,
        Retry,
    }
}
