using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tessera.Diagnostics;

namespace Tessera;

/// <summary>
/// A session store over any <see cref="IDistributedCache"/>: a session is the cache entry
/// <c>KeyPrefix + sessionId</c> holding express-session's JSON document as UTF-8, expiring when
/// the session's cookie does (<see cref="DistributedCacheStoreOptions.DefaultLifetime"/> after its
/// last write or touch when the cookie has no expiry).
/// </summary>
/// <remarks>
/// <para>
/// An <see cref="IDistributedCache"/> has no compare-and-set and cannot list or search its
/// entries, so this store declares what it lacks: <see cref="SupportsConditionalWrites"/> is
/// <see langword="false"/> (parallel requests to one session overwrite each other's changes, the
/// last write wins, as in express-session, and a request in flight can write back a session
/// destroyed meanwhile), and it implements neither <see cref="IEnumerableSessionStore"/> nor
/// <see cref="IUserSessionStore"/> (no listing, counting or clearing; no <see cref="SessionIndex"/>).
/// </para>
/// <para>
/// The expiry is absolute: the cookie's expiry, handed to the cache as the time it has left on
/// this store's clock (<see cref="DistributedCacheEntryOptions.AbsoluteExpirationRelativeToNow"/>).
/// <see cref="TouchAsync"/> reads the entry and writes the same bytes back with the new expiry;
/// <see cref="IDistributedCache.RefreshAsync"/> only renews a sliding expiration, which would let
/// every read extend a session.
/// </para>
/// <para>
/// The cache cannot say when an entry expires, so <see cref="SessionData.StoreExpires"/> is left
/// <see langword="null"/>: a session read reports the expiry of its document's cookie, the one of
/// its last write, even after a touch.
/// </para>
/// <para>
/// Many <see cref="IDistributedCache"/> implementations block their caller inside their
/// asynchronous methods, and some ignore the cancellation token. So that neither holds up a
/// request, every cache call starts on a thread-pool thread (<see cref="Task.Run(Func{Task})"/>),
/// never on the caller's thread, and the store stops waiting for it as soon as its token is
/// cancelled, whether or not the cache honours the token it is also given. A cache call abandoned
/// this way keeps running on its pool thread until the cache returns: a read's result is dropped,
/// and a write or a removal still takes effect, possibly after later calls for the same session
/// (a failure it ends with is logged at debug level). A cache that blocks holds one pool thread
/// per call for as long as it blocks.
/// </para>
/// </remarks>
public sealed class DistributedCacheStore : ISessionStore
{
    private readonly IDistributedCache _cache;
    private readonly DistributedCacheStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Creates a store over a cache.</summary>
    /// <param name="cache">The cache; the store does not dispose it.</param>
    /// <param name="options">The options; defaults when null.</param>
    /// <param name="timeProvider">The clock the time a session has left is computed with; the system clock when null.</param>
    /// <param name="logger">The logger; none when null.</param>
    /// <exception cref="ArgumentOutOfRangeException">The default lifetime is not positive.</exception>
    public DistributedCacheStore(IDistributedCache cache, DistributedCacheStoreOptions? options = null, TimeProvider? timeProvider = null, ILogger<DistributedCacheStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(cache);
        _cache = cache;
        _options = Validate(options ?? new DistributedCacheStoreOptions());
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The cache the sessions are in.</summary>
    internal IDistributedCache Cache => _cache;

    /// <summary>
    /// Always <see langword="false"/>: a distributed cache has no compare-and-set, so
    /// <see cref="ISessionStore.TrySetAsync"/> writes unconditionally and the last write wins.
    /// </summary>
    public bool SupportsConditionalWrites => false;

    /// <summary>
    /// Reads the session's entry. <see cref="SessionData.StoreExpires"/> is left
    /// <see langword="null"/>: the cache cannot tell when the entry expires.
    /// </summary>
    /// <inheritdoc/>
    public async ValueTask<SessionData?> GetAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        cancellationToken.ThrowIfCancellationRequested();
        var value = await GetEntryAsync(Key(sessionId), cancellationToken);
        if (value is null)
        {
            return null;
        }

        try
        {
            return SessionData.Parse(value, _time);
        }
        catch (FormatException ex)
        {
            DistributedCacheStoreLog.UnreadableSession(_logger, SessionIdRedaction.Copy(ex, sessionId));
            return null;
        }
    }

    /// <summary>
    /// Writes the session's document, expiring when its cookie does (or after the default
    /// lifetime). A session that has already expired is removed instead.
    /// </summary>
    /// <inheritdoc/>
    public async ValueTask SetAsync(string sessionId, SessionData data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        ArgumentNullException.ThrowIfNull(data);
        cancellationToken.ThrowIfCancellationRequested();
        var key = Key(sessionId);
        if (EntryOptions(data) is { } entry)
        {
            // Serialized here, on the caller's thread: a write abandoned on cancellation must not
            // read a document the caller goes on changing.
            await SetEntryAsync(key, data.ToUtf8Json(), entry, cancellationToken);
        }
        else
        {
            DistributedCacheStoreLog.ExpiredOnWrite(_logger);
            await RemoveEntryAsync(key, cancellationToken);
        }
    }

    /// <inheritdoc/>
    public async ValueTask DestroyAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        cancellationToken.ThrowIfCancellationRequested();
        await RemoveEntryAsync(Key(sessionId), cancellationToken);
    }

    /// <summary>
    /// Gives a stored session the expiry of <paramref name="data"/>'s cookie: reads the entry and
    /// writes it back with the new expiry, its document's cookie re-armed for the same lifetime
    /// (values untouched), so the next read tells when the session was last active. Does nothing
    /// for a missing session; removes it when the cookie has expired.
    /// </summary>
    /// <remarks>
    /// A write by another request between this read and this write is overwritten with the
    /// document read, as any write overwrites another in this store.
    /// </remarks>
    /// <inheritdoc/>
    public async ValueTask TouchAsync(string sessionId, SessionData data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        ArgumentNullException.ThrowIfNull(data);
        cancellationToken.ThrowIfCancellationRequested();
        var key = Key(sessionId);
        var stored = await GetEntryAsync(key, cancellationToken);
        if (stored is null)
        {
            return;
        }

        if (EntryOptions(data) is { } entry)
        {
            // The stored document's cookie is re-armed too: the cache cannot report an expiry, so
            // the document is where the next request reads when the session was last active.
            await SetEntryAsync(key, Rearmed(stored, data.Cookie), entry, cancellationToken);
        }
        else
        {
            await RemoveEntryAsync(key, cancellationToken);
        }
    }

    // Checks the options and takes a copy, so that later changes to them have no effect.
    internal static DistributedCacheStoreOptions Validate(DistributedCacheStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options.KeyPrefix, "DistributedCacheStoreOptions.KeyPrefix");
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.DefaultLifetime, TimeSpan.Zero, "DistributedCacheStoreOptions.DefaultLifetime");
        return new DistributedCacheStoreOptions
        {
            KeyPrefix = options.KeyPrefix,
            DefaultLifetime = options.DefaultLifetime,
        };
    }

    /// <summary>The entry's expiry: the time the session has left, or null when it has none left.</summary>
    internal DistributedCacheEntryOptions? EntryOptions(SessionData data)
    {
        var left = data.Expires is { } expires ? expires - _time.GetUtcNow() : _options.DefaultLifetime;
        return left > TimeSpan.Zero ? new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = left } : null;
    }

    private string Key(string sessionId) => _options.KeyPrefix + sessionId;

    // The cache calls, each started on the thread pool and awaited only until the token is
    // cancelled (see the remarks on the type).
    // The stored document with its cookie re-armed for the touched lifetime; an unreadable one as it was.
    private byte[] Rearmed(byte[] stored, SessionCookie touched)
    {
        if (touched.OriginalMaxAge is not { } lifetime || !SessionData.TryParse(stored, out var document, _time))
        {
            return stored;
        }

        document.Cookie.MaxAge = lifetime;
        return document.ToUtf8Json();
    }

    private Task<byte[]?> GetEntryAsync(string key, CancellationToken cancellationToken) =>
        OffCallerAsync(Task.Run(() => _cache.GetAsync(key, cancellationToken), cancellationToken), key, cancellationToken);

    private Task SetEntryAsync(string key, byte[] value, DistributedCacheEntryOptions entry, CancellationToken cancellationToken) =>
        OffCallerAsync(Task.Run(() => _cache.SetAsync(key, value, entry, cancellationToken), cancellationToken), key, cancellationToken);

    private Task RemoveEntryAsync(string key, CancellationToken cancellationToken) =>
        OffCallerAsync(Task.Run(() => _cache.RemoveAsync(key, cancellationToken), cancellationToken), key, cancellationToken);

    private async Task<T> OffCallerAsync<T>(Task<T> call, string key, CancellationToken cancellationToken)
    {
        try
        {
            return await call.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            ObserveAbandoned(call, key);
            throw;
        }
    }

    private async Task OffCallerAsync(Task call, string key, CancellationToken cancellationToken)
    {
        try
        {
            await call.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            ObserveAbandoned(call, key);
            throw;
        }
    }

    // A call the store stopped waiting for still ends some time: a failure then is logged (and
    // observed, so that it is not reported as an unobserved task exception).
    // The cache's exception may name the key (the session ID unless HashIdsInStore): a redacted copy is logged.
    private void ObserveAbandoned(Task call, string key) =>
        _ = call.ContinueWith(
            static (task, state) =>
            {
                var (logger, key) = ((ILogger, string))state!;
                if (logger.IsEnabled(LogLevel.Debug))
                {
                    var redacted = SessionIdRedaction.Copy(task.Exception!, key);
                    DistributedCacheStoreLog.AbandonedCallFailed(logger, redacted);
                }
            },
            (_logger, key),
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
}
