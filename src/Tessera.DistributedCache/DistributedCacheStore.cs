using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

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

    /// <inheritdoc/>
    public async ValueTask<SessionData?> GetAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        cancellationToken.ThrowIfCancellationRequested();
        var value = await _cache.GetAsync(Key(sessionId), cancellationToken);
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
            DistributedCacheStoreLog.UnreadableSession(_logger, ex);
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
            await _cache.SetAsync(key, data.ToUtf8Json(), entry, cancellationToken);
        }
        else
        {
            DistributedCacheStoreLog.ExpiredOnWrite(_logger);
            await _cache.RemoveAsync(key, cancellationToken);
        }
    }

    /// <inheritdoc/>
    public async ValueTask DestroyAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        cancellationToken.ThrowIfCancellationRequested();
        await _cache.RemoveAsync(Key(sessionId), cancellationToken);
    }

    /// <summary>
    /// Gives a stored session the expiry of <paramref name="data"/>'s cookie: reads the entry and
    /// writes the same bytes back with the new expiry (the stored document is not changed). Does
    /// nothing for a missing session; removes it when the cookie has expired.
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
        var stored = await _cache.GetAsync(key, cancellationToken);
        if (stored is null)
        {
            return;
        }

        if (EntryOptions(data) is { } entry)
        {
            await _cache.SetAsync(key, stored, entry, cancellationToken);
        }
        else
        {
            await _cache.RemoveAsync(key, cancellationToken);
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
}
