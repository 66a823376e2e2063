using System.Runtime.CompilerServices;
using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Tessera.Diagnostics;

namespace Tessera.Middleware;

/// <summary>
/// The one path of every call to the session store, whoever makes it (the middleware, the
/// session's methods, <see cref="SessionIndex"/>, the health check): each call gets a token that
/// is cancelled after <see cref="TesseraOptions.StoreTimeout"/> (linked with the caller's), is
/// awaited no longer than that even when the store ignores its token (unless the store says it
/// never does: <see cref="ISessionStore.HonorsCancellation"/>), is measured and traced, and
/// fails only as a logged <see cref="SessionStoreException"/>. A cancelled caller gets
/// <see cref="OperationCanceledException"/>.
/// </summary>
/// <remarks>
/// A store's exception may name the key it failed on (StackExchange.Redis's do: <c>SET sess:&lt;id&gt;</c>),
/// and the key is the session ID unless <see cref="TesseraOptions.HashIdsInStore"/>. Neither the
/// log line nor the <see cref="SessionStoreException"/> carries the store's exception: both carry
/// a <see cref="RedactedException"/> copy of it, with the call's key and anything shaped like a
/// session ID replaced by a hash prefix (<see cref="SessionIdRedaction"/>). The copy is made only
/// when a call fails.
/// </remarks>
internal sealed class GuardedStore
{
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TesseraMetrics _metrics;
    private readonly bool _completesSynchronously;
    private readonly bool _honorsCancellation;

    // Timeout sources of ended calls, reset for another call: a call then starts no timer of its
    // own. Bounded: a burst of calls leaves at most this many.
    private const int MaxIdleTimeouts = 256;
    private readonly ConcurrentQueue<CancellationTokenSource> _idleTimeouts = new();

    public GuardedStore(ISessionStore store, TimeSpan timeout, TimeProvider time, ILogger logger, TesseraMetrics metrics)
    {
        Store = store;
        _timeout = timeout;
        _time = time;
        _logger = logger;
        _metrics = metrics;
        _completesSynchronously = store is ICompletesSynchronously;
        _honorsCancellation = store.HonorsCancellation;
        Conditional = store as IConditionalSessionStore;
        Name = Describe(store);
    }

    public ISessionStore Store { get; }

    /// <summary>
    /// The store as messages name it: its <see cref="object.ToString"/> when the store describes
    /// itself there (say, <c>RedisStore (Redis at host:port)</c>), otherwise its type's name.
    /// </summary>
    public string Name { get; }

    public bool IsReady => Store.IsReady;

    /// <summary>The store as a store with conditional writes, or null when it has none.</summary>
    public IConditionalSessionStore? Conditional { get; }

    public ValueTask<SessionData?> GetAsync(string key, CancellationToken cancellationToken) =>
        CallAsync("load", key, key, static (store, key, token) => store.GetAsync(key, token), cancellationToken);

    /// <summary>Whether the store can read a session and re-arm its expiry in one call.</summary>
    public bool SupportsTouchOnRead => Store is ITouchOnReadSessionStore;

    public ValueTask<SessionData?> GetAndTouchAsync(string key, DateTimeOffset expires, CancellationToken cancellationToken) =>
        CallAsync("load", key, (key, expires), static (store, args, token) => ((ITouchOnReadSessionStore)store).GetAndTouchAsync(args.key, args.expires, token), cancellationToken);

    /// <summary>Writes a session; the version written, null for a store without versions.</summary>
    public ValueTask<object?> SetAsync(string key, SessionData data, CancellationToken cancellationToken) =>
        CallAsync("save", key, (key, data), static (store, args, token) => store.SetAsync(args.key, args.data, token), cancellationToken);

    /// <summary>Writes a session over the expected version (<see cref="Conditional"/> must not be null); the version written, null on a conflict.</summary>
    public ValueTask<object?> TrySetAsync(string key, SessionData data, object expectedVersion, CancellationToken cancellationToken) =>
        CallAsync("save", key, (key, data, expectedVersion), static (store, args, token) => ((IConditionalSessionStore)store).TrySetAsync(args.key, args.data, args.expectedVersion, token), cancellationToken);

    public ValueTask DestroyAsync(string key, CancellationToken cancellationToken) =>
        CallAsync("destroy", key, key, static (store, key, token) => store.DestroyAsync(key, token), cancellationToken);

    public ValueTask TouchAsync(string key, SessionData data, CancellationToken cancellationToken) =>
        CallAsync("touch", key, (key, data), static (store, args, token) => store.TouchAsync(args.key, args.data, token), cancellationToken);

    public ValueTask<IReadOnlyList<UserSessionInfo>> GetUserSessionsAsync(IUserSessionStore store, string userId, CancellationToken cancellationToken) =>
        CallAsync("list", key: null, (store, userId), static (_, args, token) => args.store.GetUserSessionsAsync(args.userId, token), cancellationToken);

    /// <summary>
    /// Waits for a lock that serializes this process's writes of one session, no longer than
    /// <see cref="TesseraOptions.StoreTimeout"/>: a slow store must not queue unrelated requests without end.
    /// </summary>
    public async ValueTask EnterAsync(SemaphoreSlim commitLock, string key, CancellationToken cancellationToken)
    {
        var timeout = TimeoutSource(cancellationToken, out var registration);
        try
        {
            await commitLock.WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            _metrics.StoreError("save");
            var exception = new SessionStoreException(
                "save",
                $"Another request's write of the same session did not finish within {_timeout.TotalSeconds:0.###} s (TesseraOptions.StoreTimeout).",
                new TimeoutException());
            TesseraLog.StoreFailed(_logger, "save", SessionIdRedaction.Tag(key), exception);
            throw exception;
        }
        finally
        {
            EndTimeout(timeout, registration);
        }
    }

    private ValueTask CallAsync<TState>(string operation, string? key, TState state, Func<ISessionStore, TState, CancellationToken, ValueTask> call, CancellationToken cancellationToken)
    {
        var result = CallAsync(operation, key, (call, state), static (store, args, token) => AsBoolean(args.call(store, args.state, token)), cancellationToken);
        if (result.IsCompletedSuccessfully)
        {
            result.GetAwaiter().GetResult();
            return ValueTask.CompletedTask;
        }

        return new ValueTask(result.AsTask());
    }

    private static ValueTask<bool> AsBoolean(ValueTask task)
    {
        if (task.IsCompletedSuccessfully)
        {
            task.GetAwaiter().GetResult();
            return new ValueTask<bool>(true);
        }

        return AwaitAsBooleanAsync(task);
    }

    private static async ValueTask<bool> AwaitAsBooleanAsync(ValueTask task)
    {
        await task;
        return true;
    }

    private ValueTask<TResult> CallAsync<TState, TResult>(string operation, string? key, TState state, Func<ISessionStore, TState, CancellationToken, ValueTask<TResult>> call, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var telemetry = StoreCall.Begin(operation, key, _metrics);
        if (_completesSynchronously)
        {
            // A store that never waits needs no timer: its answer is already there.
            ValueTask<TResult> task;
            try
            {
                task = call(Store, state, cancellationToken);
            }
            catch (Exception ex) when (IsStoreFailure(ex, cancellationToken))
            {
                throw Failure(telemetry, ex, timedOut: ex is OperationCanceledException);
            }

            if (task.IsCompletedSuccessfully)
            {
                telemetry.End(_metrics);
                return task;
            }

            return AwaitAsync(telemetry, task, timeout: null, default, cancellationToken);
        }

        var timeout = TimeoutSource(cancellationToken, out var registration);
        try
        {
            var task = call(Store, state, timeout.Token);
            if (task.IsCompletedSuccessfully)
            {
                telemetry.End(_metrics);
                EndTimeout(timeout, registration);
                return task;
            }

            return AwaitAsync(telemetry, task, timeout, registration, cancellationToken);
        }
        catch (Exception ex)
        {
            EndTimeout(timeout, registration);
            if (IsStoreFailure(ex, cancellationToken))
            {
                throw Failure(telemetry, ex, timedOut: ex is OperationCanceledException);
            }

            telemetry.End(_metrics);
            throw;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<TResult> AwaitAsync<TResult>(StoreCall telemetry, ValueTask<TResult> task, CancellationTokenSource? timeout, CancellationTokenRegistration registration, CancellationToken cancellationToken)
    {
        try
        {
            // A store that may ignore its token is waited for no longer than the timeout all the
            // same; one that honours it ends the call itself, without a second wait around it.
            var result = timeout is null || _honorsCancellation ? await task : await task.AsTask().WaitAsync(timeout.Token);
            telemetry.End(_metrics);
            return result;
        }
        catch (Exception ex) when (IsStoreFailure(ex, cancellationToken))
        {
            throw Failure(telemetry, ex, timedOut: timeout is { IsCancellationRequested: true });
        }
        catch
        {
            telemetry.End(_metrics); // the caller cancelled
            throw;
        }
        finally
        {
            if (timeout is not null)
            {
                EndTimeout(timeout, registration);
            }
        }
    }

    /// <summary>A source cancelled after the store timeout, or when the caller's token is.</summary>
    private CancellationTokenSource TimeoutSource(CancellationToken cancellationToken, out CancellationTokenRegistration registration)
    {
        if (_idleTimeouts.TryDequeue(out var source))
        {
            source.CancelAfter(_timeout);
        }
        else
        {
            source = new CancellationTokenSource(_timeout, _time);
        }

        registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), source)
            : default;
        return source;
    }

    /// <summary>
    /// Ends a call's timeout: the caller's registration is removed, and the source is kept for
    /// another call when it can be reset, disposed otherwise. A source resets only when it was
    /// never cancelled and its timer never began to fire (<see cref="CancellationTokenSource.TryReset"/>
    /// checks both for the system clock, and refuses for another <see cref="TimeProvider"/>'s
    /// timers, whose sources are therefore never reused).
    /// </summary>
    private void EndTimeout(CancellationTokenSource source, CancellationTokenRegistration registration)
    {
        registration.Dispose();
        if (_idleTimeouts.Count < MaxIdleTimeouts && source.TryReset())
        {
            _idleTimeouts.Enqueue(source);
        }
        else
        {
            source.Dispose();
        }
    }

    /// <summary>A cancelled caller is not a store failure; anything else the store throws (a timeout included) is.</summary>
    private static bool IsStoreFailure(Exception ex, CancellationToken cancellationToken) =>
        ex is not SessionStoreException && !(ex is OperationCanceledException && cancellationToken.IsCancellationRequested);

    private static string Describe(ISessionStore store)
    {
        var type = store.GetType();
        var text = store.ToString();
        return string.IsNullOrWhiteSpace(text) || text == type.ToString() ? type.Name : text;
    }

    /// <summary>
    /// The exception for a failed call. <paramref name="timedOut"/>: the call ran out of
    /// <see cref="TesseraOptions.StoreTimeout"/> (a timeout the store reports itself is a failure
    /// in its own words).
    /// </summary>
    private SessionStoreException Failure(StoreCall telemetry, Exception ex, bool timedOut)
    {
        var operation = telemetry.Operation;
        var key = telemetry.Key;
        telemetry.Fail(_metrics, ex, timedOut);
        _metrics.StoreError(operation);
        var copy = SessionIdRedaction.Copy(ex, key);
        Exception inner = timedOut ? new TimeoutException(null, copy) : copy;
        var message = timedOut
            ? $"The session store {Name} did not answer the {operation} within {_timeout.TotalSeconds:0.###} s (TesseraOptions.StoreTimeout)."
            : $"The session store {Name} failed during {operation}: {copy.Message}";
        TesseraLog.StoreFailed(_logger, operation, key is null ? "-" : SessionIdRedaction.Tag(key), inner);
        return new SessionStoreException(operation, message, inner);
    }
}
