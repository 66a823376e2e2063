using Tessera.Serialization;

namespace Tessera;

/// <summary>
/// The default store: sessions in this process's memory, as serialized documents, so a stored
/// session is a copy that later changes to a <see cref="SessionData"/> never reach.
/// Unlike express-session's MemoryStore it never leaks: expired sessions are evicted in the
/// background in expiry order (without being read), sessions without an expiry are kept for
/// <see cref="MemoryStoreOptions.DefaultLifetime"/>, and the number of sessions can be bounded.
/// Sessions do not survive a restart and are not shared between processes.
/// </summary>
public sealed class MemoryStore : IEnumerableSessionStore, IUserSessionStore, IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly PriorityQueue<string, long> _expiryQueue = new();
    private readonly Dictionary<string, HashSet<string>> _byUser = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly MemoryStoreOptions _options;
    private readonly ITimer _sweepTimer;
    private long _lastVersion;

    /// <summary>Creates a memory store.</summary>
    /// <param name="options">The options; defaults when null.</param>
    /// <param name="timeProvider">The clock; the system clock when null.</param>
    public MemoryStore(MemoryStoreOptions? options = null, TimeProvider? timeProvider = null)
    {
        _options = options ?? new MemoryStoreOptions();
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_options.DefaultLifetime, TimeSpan.Zero, "MemoryStoreOptions.DefaultLifetime");
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_options.SweepInterval, TimeSpan.Zero, "MemoryStoreOptions.SweepInterval");
        if (_options.MaxSessions is { } max)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(max, 1, "MemoryStoreOptions.MaxSessions");
        }

        _time = timeProvider ?? TimeProvider.System;
        _sweepTimer = _time.CreateTimer(static state => ((MemoryStore)state!).Sweep(), this, _options.SweepInterval, _options.SweepInterval);
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
    public ValueTask<SessionData?> GetAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        cancellationToken.ThrowIfCancellationRequested();
        byte[] json;
        long version;
        lock (_lock)
        {
            if (!TryGetLive(sessionId, _time.GetUtcNow().UtcTicks, out var entry))
            {
                return ValueTask.FromResult<SessionData?>(null);
            }

            json = entry.Json;
            version = entry.Version;
        }

        if (!SessionData.TryParse(json, out var data, _time))
        {
            return ValueTask.FromResult<SessionData?>(null);
        }

        data.StoreVersion = version;
        return ValueTask.FromResult<SessionData?>(data);
    }

    /// <inheritdoc/>
    public ValueTask SetAsync(string sessionId, SessionData data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        ArgumentNullException.ThrowIfNull(data);
        cancellationToken.ThrowIfCancellationRequested();
        var json = data.ToUtf8Json();
        var now = _time.GetUtcNow().UtcTicks;
        lock (_lock)
        {
            Write(sessionId, data, json, now);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public bool SupportsConditionalWrites => true;

    /// <inheritdoc/>
    public ValueTask<bool> TrySetAsync(string sessionId, SessionData data, object expectedVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(expectedVersion);
        cancellationToken.ThrowIfCancellationRequested();
        var json = data.ToUtf8Json();
        var now = _time.GetUtcNow().UtcTicks;
        lock (_lock)
        {
            if (!TryGetLive(sessionId, now, out var entry) || expectedVersion is not long expected || entry.Version != expected)
            {
                return ValueTask.FromResult(false);
            }

            Write(sessionId, data, json, now);
        }

        return ValueTask.FromResult(true);
    }

    private void Write(string sessionId, SessionData data, byte[] json, long now)
    {
        var expires = ExpiryTicks(data, now);
        var version = ++_lastVersion;
        if (_entries.TryGetValue(sessionId, out var entry))
        {
            entry.Json = json;
            entry.Version = version;
            IndexUser(sessionId, entry, data.UserId);
            Reschedule(sessionId, entry, expires);
        }
        else
        {
            entry = new Entry(json) { Version = version };
            _entries.Add(sessionId, entry);
            IndexUser(sessionId, entry, data.UserId);
            Reschedule(sessionId, entry, expires);
            EvictExpired(now);
            EnforceBound();
        }

        data.StoreVersion = version;
    }

    /// <inheritdoc/>
    public ValueTask DestroyAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            Remove(sessionId);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask TouchAsync(string sessionId, SessionData data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        ArgumentNullException.ThrowIfNull(data);
        cancellationToken.ThrowIfCancellationRequested();
        var now = _time.GetUtcNow().UtcTicks;
        lock (_lock)
        {
            if (TryGetLive(sessionId, now, out var entry))
            {
                // Only the cookie changes: it is written into the stored document in place.
                if (CookieRewriter.Replace(entry.Json, data.Cookie) is { } json)
                {
                    entry.Json = json;
                    Reschedule(sessionId, entry, ExpiryTicks(data, now));
                }
                else if (SessionData.TryParse(entry.Json, out var stored, _time))
                {
                    stored.Cookie = data.Cookie.Clone();
                    entry.Json = stored.ToUtf8Json();
                    Reschedule(sessionId, entry, ExpiryTicks(data, now));
                }
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyDictionary<string, SessionData>> AllAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        List<KeyValuePair<string, byte[]>> live;
        lock (_lock)
        {
            EvictExpired(_time.GetUtcNow().UtcTicks);
            live = new(_entries.Count);
            foreach (var (id, entry) in _entries)
            {
                live.Add(new(id, entry.Json));
            }
        }

        var result = new Dictionary<string, SessionData>(live.Count, StringComparer.Ordinal);
        foreach (var (id, json) in live)
        {
            if (SessionData.TryParse(json, out var data, _time))
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
            _expiryQueue.Clear();
            _byUser.Clear();
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<UserSessionInfo>> GetUserSessionsAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        cancellationToken.ThrowIfCancellationRequested();
        var found = new List<KeyValuePair<string, byte[]>>();
        lock (_lock)
        {
            if (_byUser.TryGetValue(userId, out var ids))
            {
                var now = _time.GetUtcNow().UtcTicks;
                foreach (var id in ids.ToArray())
                {
                    if (TryGetLive(id, now, out var entry))
                    {
                        found.Add(new(id, entry.Json));
                    }
                }
            }
        }

        var sessions = new List<UserSessionInfo>(found.Count);
        foreach (var (id, json) in found)
        {
            if (SessionData.TryParse(json, out var data, _time))
            {
                sessions.Add(new UserSessionInfo(id, data));
            }
        }

        return ValueTask.FromResult<IReadOnlyList<UserSessionInfo>>(sessions);
    }

    /// <summary>Stops the background eviction.</summary>
    public void Dispose() => _sweepTimer.Dispose();

    private void Sweep()
    {
        lock (_lock)
        {
            EvictExpired(_time.GetUtcNow().UtcTicks);
        }
    }

    private long ExpiryTicks(SessionData data, long now) =>
        data.Expires?.UtcTicks ?? now + _options.DefaultLifetime.Ticks;

    private bool TryGetLive(string sessionId, long now, out Entry entry)
    {
        if (_entries.TryGetValue(sessionId, out entry!))
        {
            if (entry.ExpiresTicks > now)
            {
                return true;
            }

            Remove(sessionId);
        }

        return false;
    }

    // Each live entry has one queue item at or before its expiry; an item whose entry expires
    // later is moved on when it comes up, and items of removed entries are dropped then.
    private void Reschedule(string sessionId, Entry entry, long expires)
    {
        entry.ExpiresTicks = expires;
        if (entry.QueuedTicks is not { } queued || expires < queued)
        {
            _expiryQueue.Enqueue(sessionId, expires);
            entry.QueuedTicks = expires;
        }

        if (_expiryQueue.Count > (2 * _entries.Count) + 1024)
        {
            RebuildQueue();
        }
    }

    private void EvictExpired(long now)
    {
        while (_expiryQueue.TryPeek(out _, out var due) && due <= now)
        {
            PopSoonest(now, evictLive: false);
        }
    }

    private void EnforceBound()
    {
        if (_options.MaxSessions is not { } max)
        {
            return;
        }

        var now = _time.GetUtcNow().UtcTicks;
        while (_entries.Count > max && _expiryQueue.Count > 0)
        {
            PopSoonest(now, evictLive: true);
        }
    }

    private void PopSoonest(long now, bool evictLive)
    {
        _expiryQueue.TryDequeue(out var id, out var due);
        if (!_entries.TryGetValue(id!, out var entry) || entry.QueuedTicks != due)
        {
            return; // an item left behind by a removed entry or a shortened expiry
        }

        if (entry.ExpiresTicks <= now || (evictLive && entry.ExpiresTicks == due))
        {
            Remove(id!);
            return;
        }

        // The session was touched since it was queued: queue it again at its real expiry.
        _expiryQueue.Enqueue(id!, entry.ExpiresTicks);
        entry.QueuedTicks = entry.ExpiresTicks;
    }

    private void Remove(string sessionId)
    {
        if (_entries.Remove(sessionId, out var entry))
        {
            IndexUser(sessionId, entry, userId: null);
        }
    }

    private void IndexUser(string sessionId, Entry entry, string? userId)
    {
        if (entry.UserId == userId)
        {
            return;
        }

        if (entry.UserId is { } previous && _byUser.TryGetValue(previous, out var previousIds))
        {
            previousIds.Remove(sessionId);
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

            ids.Add(sessionId);
        }

        entry.UserId = userId;
    }

    private void RebuildQueue()
    {
        _expiryQueue.Clear();
        foreach (var (id, entry) in _entries)
        {
            _expiryQueue.Enqueue(id, entry.ExpiresTicks);
            entry.QueuedTicks = entry.ExpiresTicks;
        }
    }

    private sealed class Entry(byte[] json)
    {
        public byte[] Json { get; set; } = json;

        public long ExpiresTicks { get; set; }

        public long? QueuedTicks { get; set; }

        public long Version { get; set; }

        public string? UserId { get; set; }
    }
}
