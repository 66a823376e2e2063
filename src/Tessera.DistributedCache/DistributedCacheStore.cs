using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tessera.Diagnostics;

namespace Tessera;

/// <summary>
/// A session store over any <see cref="IDistributedCache"/>: a session is the cache entry
/// <c>KeyPrefix + key</c> holding express-session's JSON document as UTF-8, with a sliding
/// expiration of the time its cookie had left when it was written
/// (<see cref="DistributedCacheStoreOptions.DefaultLifetime"/> when the cookie has no expiry).
/// </summary>
/// <remarks>
/// <para>
/// An <see cref="IDistributedCache"/> has no compare-and-set and cannot list or search its
/// entries, so this store implements none of the optional capabilities: not
/// <see cref="IConditionalSessionStore"/> (parallel requests to one session overwrite each
/// other's changes, the last write wins, as in express-session, and a request in flight can write
/// back a session destroyed meanwhile), <see cref="IEnumerableSessionStore"/> (no listing,
/// counting or clearing) nor <see cref="IUserSessionStore"/> (no <see cref="SessionIndex"/>).
/// </para>
/// <para>
/// <see cref="TouchAsync"/> is <see cref="IDistributedCache.RefreshAsync"/>: it renews the
/// entry's sliding expiration and writes nothing, so a touch can neither bring back a session
/// destroyed after the request read it nor revert another request's write. Caches renew a
/// sliding expiration on every read too, so reading a session keeps it alive for the same time;
/// <see cref="GetAsync"/> reports that renewed expiry as <see cref="SessionData.StoreExpires"/>
/// (now plus the cookie's lifetime), and the document's cookie keeps the expiry of its last write.
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
    /// Reads the session's entry (which renews its sliding expiration, in every cache). Its
    /// <see cref="SessionData.StoreExpires"/> is that renewed expiry, now plus the cookie's lifetime,
    /// for a cookie with an expiry; <see langword="null"/> otherwise.
    /// </summary>
    /// <inheritdoc/>
    public async ValueTask<SessionData?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        var value = await GetEntryAsync(CacheKey(key), cancellationToken);
        if (value is null || StoreDocument.Read(value, _time, _logger) is not { } data)
        {
            return null;
        }

        if (data.Cookie.Expires is not null && data.Cookie.OriginalMaxAge is { } lifetime)
        {
            data.StoreExpires = _time.GetUtcNow() + lifetime;
        }

        return data;
    }

    /// <summary>
    /// Writes the session's document, with a sliding expiration of the time its cookie has left
    /// (or the default lifetime). A session that has already expired is removed instead. The store
    /// has no versions: the version returned is <see langword="null"/>.
    /// </summary>
    /// <inheritdoc/>
    public async ValueTask<object?> SetAsync(string key, SessionData data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(data);
        cancellationToken.ThrowIfCancellationRequested();
        var cacheKey = CacheKey(key);
        if (EntryOptions(data) is { } entry)
        {
            // Serialized here, on the caller's thread: a write abandoned on cancellation must not
            // read a document the caller goes on changing.
            await SetEntryAsync(cacheKey, data.ToUtf8Json(), entry, cancellationToken);
        }
        else
        {
            DistributedCacheStoreLog.ExpiredOnWrite(_logger);
            await RemoveEntryAsync(cacheKey, cancellationToken);
        }

        return null;
    }

    /// <inheritdoc/>
    public async ValueTask DestroyAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        await RemoveEntryAsync(CacheKey(key), cancellationToken);
    }

    /// <summary>
    /// Renews the entry's sliding expiration with <see cref="IDistributedCache.RefreshAsync"/>,
    /// writing nothing: a missing session stays missing, and a write another request made since
    /// this one read the session stays as it is. A cookie that has expired removes the session.
    /// </summary>
    /// <inheritdoc/>
    public async ValueTask TouchAsync(string key, SessionData data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(data);
        cancellationToken.ThrowIfCancellationRequested();
        var cacheKey = CacheKey(key);
        if (EntryOptions(data) is null)
        {
            await RemoveEntryAsync(cacheKey, cancellationToken);
        }
        else
        {
            await RefreshEntryAsync(cacheKey, cancellationToken);
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

    /// <summary>The entry's expiry: sliding, by the time the session has left; null when it has none left.</summary>
    internal DistributedCacheEntryOptions? EntryOptions(SessionData data)
    {
        var left = StoreDocument.TimeLeft(data, _options.DefaultLifetime, _time);
        return left > TimeSpan.Zero ? new DistributedCacheEntryOptions { SlidingExpiration = left } : null;
    }

    private string CacheKey(string key) => _options.KeyPrefix + key;

    // The cache calls, each started on the thread pool and awaited only until the token is
    // cancelled (see the remarks on the type).
    private Task<byte[]?> GetEntryAsync(string key, CancellationToken cancellationToken) =>
        OffCallerAsync(Task.Run(() => _cache.GetAsync(key, cancellationToken), cancellationToken), key, cancellationToken);

    private Task SetEntryAsync(string key, byte[] value, DistributedCacheEntryOptions entry, CancellationToken cancellationToken) =>
        OffCallerAsync(Task.Run(() => _cache.SetAsync(key, value, entry, cancellationToken), cancellationToken), key, cancellationToken);

    private Task RefreshEntryAsync(string key, CancellationToken cancellationToken) =>
        OffCallerAsync(Task.Run(() => _cache.RefreshAsync(key, cancellationToken), cancellationToken), key, cancellationToken);

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
