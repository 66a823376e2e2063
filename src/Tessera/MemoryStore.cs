using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Tessera.Serialization;

namespace Tessera;

/// <summary>
/// The default store: sessions in this process's memory, each as its values serialized and a
/// copy of its cookie, so a stored session is a copy that later changes to a
/// <see cref="SessionData"/> never reach, and refreshing a session's expiry rewrites nothing.
/// Unlike express-session's MemoryStore it never leaks: expired sessions are evicted in the
/// background in expiry order (without being read), sessions without an expiry are kept for
/// <see cref="MemoryStoreOptions.DefaultLifetime"/>, and the number of sessions is bounded by
/// <see cref="MemoryStoreOptions.MaxSessions"/> (100,000 by default; anonymous sessions are
/// evicted first, soonest-expiring first). Sessions do not survive a restart and are not shared
/// between processes.
/// </summary>
public sealed class MemoryStore : IConditionalSessionStore, IEnumerableSessionStore, IUserSessionStore, ITouchOnReadSessionStore, Middleware.ICompletesSynchronously, IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly MemoryExpiryQueue _queue = new();
    private readonly Dictionary<string, HashSet<string>> _byUser = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly MemoryStoreOptions _options;
    private readonly int _maxSessions;
    private readonly MemoryStoreEvictions? _evictions;
    private readonly ITimer _sweepTimer;
    private long _lastVersion;

    // The stored cookie that sessions with the same attributes share, whatever their expiry
    // (which is then their entry's): an application's sessions mostly have one set of
    // attributes, so a write keeps no cookie of its own. Replaced by the last cookie that differs.
    private SessionCookie? _sharedCookie;
    private int _userSessions;

    /// <summary>Creates a memory store.</summary>
    /// <param name="options">The options; defaults when null.</param>
    /// <param name="timeProvider">The clock; the system clock when null.</param>
    /// <param name="logger">Logs the Warning about evictions; none when null.</param>
    /// <param name="meterFactory">Creates the <c>Tessera</c> meter of the evictions counter; a meter of the store's own when null.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range, such as a <see cref="MemoryStoreOptions.MaxSessions"/> that is not positive.</exception>
    public MemoryStore(MemoryStoreOptions? options = null, TimeProvider? timeProvider = null, ILogger<MemoryStore>? logger = null, IMeterFactory? meterFactory = null)
    {
        _options = Validate(options ?? new MemoryStoreOptions());
        if (_options.MaxSessions is { } max)
        {
            _maxSessions = max;
            _evictions = new MemoryStoreEvictions(max, logger, meterFactory);
        }
        else
        {
            _maxSessions = int.MaxValue;
        }

        _time = timeProvider ?? TimeProvider.System;
        _sweepTimer = _time.CreateTimer(static state => ((MemoryStore)state!).Sweep(), this, _options.SweepInterval, _options.SweepInterval);
    }

    /// <summary>Checks the options (an exception names the one out of range) and takes a copy, so that later changes to them have no effect.</summary>
    internal static MemoryStoreOptions Validate(MemoryStoreOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.DefaultLifetime, TimeSpan.Zero, "MemoryStoreOptions.DefaultLifetime");
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.SweepInterval, TimeSpan.Zero, "MemoryStoreOptions.SweepInterval");
        if (options.MaxSessions is < 1)
        {
            throw new ArgumentOutOfRangeException(
                nameof(options),
                options.MaxSessions,
                $"MemoryStoreOptions.MaxSessions must be at least 1 (it is {options.MaxSessions}): it is the most sessions the memory store holds. Set null to remove the bound.");
        }

        return new MemoryStoreOptions
        {
            DefaultLifetime = options.DefaultLifetime,
            MaxSessions = options.MaxSessions,
            SweepInterval = options.SweepInterval,
        };
    }

    /// <summary>The number of entries held, expired or not, for diagnostics and tests.</summary>
    internal int EntryCount
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    /// <inheritdoc/>
    public ValueTask<SessionData?> GetAsync(string key, CancellationToken cancellationToken = default) =>
        Read(key, rearmTo: null, cancellationToken);

    /// <inheritdoc/>
    /// <remarks>
    /// The stored cookie's expiry moves to <paramref name="expires"/> (its lifetime and attributes
    /// stay), as a touch would move it; the values and the version are not changed, so a
    /// conditional write over the version read still succeeds. A cookie stored without an expiry
    /// keeps none: only the store's own expiry of the session moves.
    /// </remarks>
    public ValueTask<SessionData?> GetAndTouchAsync(string key, DateTimeOffset expires, CancellationToken cancellationToken = default) =>
        Read(key, SessionCookie.TruncateToMilliseconds(expires).UtcTicks, cancellationToken);

    /// <summary>A live session as it is stored; when <paramref name="rearmTo"/> is given, its expiry then moves there.</summary>
    private ValueTask<SessionData?> Read(string key, long? rearmTo, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        Stored stored;
        lock (_lock)
        {
            ref var entry = ref GetLive(key, _time.GetUtcNow().UtcTicks);
            if (Unsafe.IsNullRef(ref entry))
            {
                return ValueTask.FromResult<SessionData?>(null);
            }

            stored = entry.Snapshot();
            if (rearmTo is { } expires)
            {
                Reschedule(ref entry, key, expires);
                entry.Rearm();
            }
        }

        return ValueTask.FromResult(Materialize(stored));
    }

    /// <inheritdoc/>
    public ValueTask<object?> SetAsync(string key, SessionData data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(data);
        cancellationToken.ThrowIfCancellationRequested();
        var stored = Keep(data);
        var now = _time.GetUtcNow().UtcTicks;
        int evicted;
        long version;
        lock (_lock)
        {
            evicted = Write(key, data, stored, now, out version);
        }

        ReportEvictions(evicted, now);
        return ValueTask.FromResult<object?>(version);
    }

    /// <inheritdoc/>
    public ValueTask<object?> TrySetAsync(string key, SessionData data, object expectedVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(expectedVersion);
        cancellationToken.ThrowIfCancellationRequested();
        var stored = Keep(data);
        var now = _time.GetUtcNow().UtcTicks;
        int evicted;
        long version;
        lock (_lock)
        {
            ref var entry = ref GetLive(key, now);
            if (Unsafe.IsNullRef(ref entry) || expectedVersion is not long expected || entry.Version != expected)
            {
                return ValueTask.FromResult<object?>(null);
            }

            evicted = Write(key, data, stored, now, out version);
        }

        ReportEvictions(evicted, now);
        return ValueTask.FromResult<object?>(version);
    }

    /// <summary>Stores a session; returns how many live sessions were evicted to stay within the bound.</summary>
    private int Write(string key, SessionData data, Stored stored, long now, out long version)
    {
        var expires = ExpiryTicks(data);
        version = ++_lastVersion;
        // The entry is changed in place, in the dictionary; the reference is not used once the
        // dictionary may have changed (eviction below).
        ref var entry = ref CollectionsMarshal.GetValueRefOrAddDefault(_entries, key, out var existed);
        entry.Store(stored, version);
        IndexUser(key, ref entry, data.UserId);
        Reschedule(ref entry, key, expires);
        if (existed)
        {
            return 0;
        }

        EvictExpired(now);
        // One comparison per new session; past the bound, one eviction per new session (plus
        // the queue items of sessions that were touched or removed, each dropped once).
        return _entries.Count > _maxSessions ? EnforceBound(key, anonymous: data.UserId is null, now) : 0;
    }

    private void ReportEvictions(int evicted, long now)
    {
        if (evicted > 0)
        {
            _evictions!.Evicted(evicted, now);
        }
    }

    /// <inheritdoc/>
    public ValueTask DestroyAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            Remove(key);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask TouchAsync(string key, SessionData data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(data);
        cancellationToken.ThrowIfCancellationRequested();
        // Only the cookie changes: the values stay as they are, and the version with them.
        var (cookie, shared) = KeepCookie(data.Cookie);
        var now = _time.GetUtcNow().UtcTicks;
        lock (_lock)
        {
            ref var entry = ref GetLive(key, now);
            if (!Unsafe.IsNullRef(ref entry))
            {
                entry.Touch(cookie, shared);
                Reschedule(ref entry, key, ExpiryTicks(data));
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyDictionary<string, SessionData>> AllAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        List<KeyValuePair<string, Stored>> live;
        lock (_lock)
        {
            EvictExpired(_time.GetUtcNow().UtcTicks);
            live = new(_entries.Count);
            foreach (var (id, entry) in _entries)
            {
                live.Add(new(id, entry.Snapshot()));
            }
        }

        var result = new Dictionary<string, SessionData>(live.Count, StringComparer.Ordinal);
        foreach (var (id, stored) in live)
        {
            if (Materialize(stored) is { } data)
            {
                result[id] = data;
            }
        }

        return ValueTask.FromResult<IReadOnlyDictionary<string, SessionData>>(result);
    }

    /// <inheritdoc/>
    public ValueTask<long> CountAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            EvictExpired(_time.GetUtcNow().UtcTicks);
            return ValueTask.FromResult((long)_entries.Count);
        }
    }

    /// <inheritdoc/>
    public ValueTask ClearAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            _entries.Clear();
            _queue.Clear();
            _byUser.Clear();
            _userSessions = 0;
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<UserSessionInfo>> GetUserSessionsAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        cancellationToken.ThrowIfCancellationRequested();
        var found = new List<KeyValuePair<string, Stored>>();
        lock (_lock)
        {
            if (_byUser.TryGetValue(userId, out var ids))
            {
                var now = _time.GetUtcNow().UtcTicks;
                foreach (var id in ids.ToArray())
                {
                    ref var entry = ref GetLive(id, now);
                    if (!Unsafe.IsNullRef(ref entry))
                    {
                        found.Add(new(id, entry.Snapshot()));
                    }
                }
            }
        }

        var sessions = new List<UserSessionInfo>(found.Count);
        foreach (var (id, stored) in found)
        {
            if (Materialize(stored) is { } data)
            {
                sessions.Add(new UserSessionInfo(id, data));
            }
        }

        return ValueTask.FromResult<IReadOnlyList<UserSessionInfo>>(sessions);
    }

    /// <summary>Stops the background eviction.</summary>
    public void Dispose()
    {
        _sweepTimer.Dispose();
        _evictions?.Dispose();
    }

    private void Sweep()
    {
        var now = _time.GetUtcNow().UtcTicks;
        lock (_lock)
        {
            EvictExpired(now);
        }

        _evictions?.Flush(now);
    }

    /// <summary>A new <see cref="SessionData"/> of a stored session, as if its document were read back.</summary>
    private SessionData? Materialize(Stored stored)
    {
        try
        {
            var cookie = stored.Cookie.Clone();
            if (stored.RearmedTicks is { } rearmed)
            {
                cookie.RawExpires = new DateTimeOffset(rearmed, TimeSpan.Zero);
            }

            var data = SessionDocument.Read(stored.Values, _time, cookie, stored.CookieIndex);
            data.StoreVersion = stored.Version;
            return data;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>A session as the store keeps it: its values' document and its cookie (<see cref="KeepCookie"/>).</summary>
    private Stored Keep(SessionData data)
    {
        var (cookie, shared) = KeepCookie(data.Cookie);
        return new(SessionDocument.WriteValues(data), cookie, data.CookieIndex, Version: 0) { CookieShared = shared };
    }

    /// <summary>
    /// The cookie to store for a session: the shared one when the attributes are the same (then
    /// <c>Shared</c> says whether the entry's expiry, which is the cookie's, stands for the
    /// cookie's), else a copy of its own, which becomes the shared one. The copy is as a stored
    /// document keeps a cookie: no request's absolute deadline, the store's clock.
    /// </summary>
    private (SessionCookie Cookie, bool Shared) KeepCookie(SessionCookie cookie)
    {
        var shared = Volatile.Read(ref _sharedCookie);
        if (shared is not null && shared.HasAttributesOf(cookie) && (cookie.RawExpires is null) == (shared.RawExpires is null))
        {
            return (shared, cookie.RawExpires is not null);
        }

        var copy = cookie.WithTime(_time);
        copy = ReferenceEquals(copy, cookie) ? cookie.Clone() : copy;
        copy.Deadline = null;
        Volatile.Write(ref _sharedCookie, copy);
        return (copy, false);
    }

    private long ExpiryTicks(SessionData data) =>
        StoreDocument.Expiry(data, _options.DefaultLifetime, _time).UtcTicks;

    /// <summary>The entry of a session that has not expired, or a null reference (an expired one is removed).</summary>
    private ref Entry GetLive(string key, long now)
    {
        ref var entry = ref CollectionsMarshal.GetValueRefOrNullRef(_entries, key);
        if (!Unsafe.IsNullRef(ref entry) && entry.ExpiresTicks <= now)
        {
            Remove(key);
            return ref Unsafe.NullRef<Entry>();
        }

        return ref entry;
    }

    /// <summary>Whether an entry is in the anonymous eviction group (no user) of the expiry queue.</summary>
    private static bool IsAnonymous(in Entry entry) => entry.UserId is null;

    // Each live entry has one queue item, in its group's queue, at or before its expiry; an item
    // whose entry expires later is moved on when it comes up, and items of removed entries (or
    // of entries that changed group) are dropped then.
    private void Reschedule(ref Entry entry, string key, long expires)
    {
        entry.ExpiresTicks = expires;
        if (entry.QueuedTicks is not { } queued || expires < queued)
        {
            _queue.Enqueue(key, IsAnonymous(entry), expires);
            entry.QueuedTicks = expires;
        }

        if (_queue.Count > (2 * _entries.Count) + 1024)
        {
            RebuildQueues(); // changes entries in place only: the caller's reference stays valid
        }
    }

    private void EvictExpired(long now)
    {
        while (_queue.HasDue(anonymous: true, now))
        {
            PopSoonest(anonymous: true, now, evictLive: false, spare: null);
        }

        while (_queue.HasDue(anonymous: false, now))
        {
            PopSoonest(anonymous: false, now, evictLive: false, spare: null);
        }
    }

    /// <summary>
    /// Evicts live sessions until the store is back within its bound: anonymous sessions first,
    /// sessions with a user once no other anonymous one is left, soonest-expiring first within
    /// each; never <paramref name="written"/>, the new session whose write went past the bound.
    /// Returns how many were evicted.
    /// </summary>
    private int EnforceBound(string written, bool anonymous, long now)
    {
        var evicted = 0;
        long? spared = null;
        while (_entries.Count > _maxSessions)
        {
            var otherAnonymous = _entries.Count - _userSessions - (anonymous ? 1 : 0);
            var group = otherAnonymous > 0;
            if (!_queue.Any(group))
            {
                break; // cannot happen while every entry has its queue item; never loop or throw
            }

            switch (PopSoonest(group, now, evictLive: true, spare: written))
            {
                case Popped.Evicted:
                    evicted++;
                    break;
                case Popped.Spared:
                    spared = _entries[written].QueuedTicks;
                    break;
            }
        }

        if (spared is { } due)
        {
            // Back in its queue once the others are gone: its entry still names this item.
            _queue.Enqueue(written, anonymous, due);
        }

        return evicted;
    }

    /// <summary>
    /// Takes the soonest item of the expiry queue's <paramref name="anonymous"/> group: drops it if it is stale, removes its
    /// session if that has expired (or, with <paramref name="evictLive"/>, is due at the item's
    /// time, unless it is <paramref name="spare"/>, which is left out of the queue for the
    /// caller to put back), and otherwise queues the session again at its real expiry.
    /// </summary>
    private Popped PopSoonest(bool anonymous, long now, bool evictLive, string? spare)
    {
        var (id, due) = _queue.Dequeue(anonymous);
        ref var entry = ref CollectionsMarshal.GetValueRefOrNullRef(_entries, id);
        if (Unsafe.IsNullRef(ref entry) || entry.QueuedTicks != due || IsAnonymous(entry) != anonymous)
        {
            return Popped.Stale; // an item left behind by a removed entry, a shortened expiry or a change of group
        }

        if (entry.ExpiresTicks <= now)
        {
            Remove(id);
            return Popped.Expired;
        }

        if (evictLive && entry.ExpiresTicks == due)
        {
            if (spare is not null && string.Equals(id, spare, StringComparison.Ordinal))
            {
                return Popped.Spared;
            }

            Remove(id);
            return Popped.Evicted;
        }

        // The session was touched since it was queued: queue it again at its real expiry.
        _queue.Enqueue(id, anonymous, entry.ExpiresTicks);
        entry.QueuedTicks = entry.ExpiresTicks;
        return Popped.Requeued;
    }

    private void Remove(string key)
    {
        if (_entries.Remove(key, out var entry))
        {
            IndexUser(key, ref entry, userId: null);
        }
    }

    private void IndexUser(string key, ref Entry entry, string? userId)
    {
        if (entry.UserId == userId)
        {
            return;
        }

        if ((entry.UserId is null) != (userId is null))
        {
            // The session changes eviction group: count it, and queue it again in its new group.
            _userSessions += userId is null ? -1 : 1;
            entry.QueuedTicks = null;
        }

        if (entry.UserId is { } previous && _byUser.TryGetValue(previous, out var previousIds))
        {
            previousIds.Remove(key);
            if (previousIds.Count == 0)
            {
                _byUser.Remove(previous);
            }
        }

        if (userId is not null)
        {
            if (!_byUser.TryGetValue(userId, out var ids))
            {
                _byUser[userId] = ids = new HashSet<string>(StringComparer.Ordinal);
            }

            ids.Add(key);
        }

        entry.UserId = userId;
    }

    private void RebuildQueues()
    {
        _queue.Clear();
        foreach (var id in _entries.Keys)
        {
            ref var entry = ref CollectionsMarshal.GetValueRefOrNullRef(_entries, id);
            _queue.Enqueue(id, IsAnonymous(entry), entry.ExpiresTicks);
            entry.QueuedTicks = entry.ExpiresTicks;
        }
    }

    /// <summary>
    /// A stored session: the document without its cookie (values and metadata), the cookie (a
    /// copy of its own or the shared one), where the cookie stands among the values, and the
    /// version; read and changed under the lock. A struct held in the dictionary's own storage,
    /// so a session costs no object of its own.
    /// </summary>
    private struct Entry
    {
        public byte[] Values { get; private set; }

        public SessionCookie Cookie { get; private set; }

        public int CookieIndex { get; private set; }

        /// <summary>
        /// Whether the cookie's expiry is <see cref="ExpiresTicks"/>, not the stored cookie's: the
        /// cookie is the shared one, or a read re-armed the session (<see cref="GetAndTouchAsync"/>)
        /// and left the stored cookie as it was.
        /// </summary>
        public bool ExpiresWithEntry { get; private set; }

        public long Version { get; private set; }

        public long ExpiresTicks { get; set; }

        public long? QueuedTicks { get; set; }

        public string? UserId { get; set; }

        public void Store(Stored stored, long version)
        {
            Values = stored.Values;
            Cookie = stored.Cookie;
            CookieIndex = stored.CookieIndex;
            ExpiresWithEntry = stored.CookieShared;
            Version = version;
        }

        public void Touch(SessionCookie cookie, bool shared)
        {
            Cookie = cookie;
            ExpiresWithEntry = shared;
        }

        /// <summary>The cookie's expiry follows the entry's from now on (a cookie without one keeps none).</summary>
        public void Rearm() => ExpiresWithEntry = Cookie.RawExpires is not null;

        public readonly Stored Snapshot() => new(Values, Cookie, CookieIndex, Version, ExpiresWithEntry ? ExpiresTicks : null);
    }

    /// <summary>What <see cref="PopSoonest"/> did with the item it took.</summary>
    private enum Popped
    {
        Stale,
        Expired,
        Evicted,
        Spared,
        Requeued,
    }

    /// <summary>
    /// What an entry holds, taken out of the lock. The document and cookie are never changed once
    /// stored; <paramref name="RearmedTicks"/> is the cookie's expiry when it is the entry's, not
    /// the stored cookie's. <see cref="CookieShared"/>: the cookie to store is the shared one.
    /// </summary>
    private readonly record struct Stored(byte[] Values, SessionCookie Cookie, int CookieIndex, long Version, long? RearmedTicks = null)
    {
        public bool CookieShared { get; init; }
    }
}
