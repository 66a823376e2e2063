using Microsoft.Extensions.Logging;

namespace Tessera.Testing.Tests;

/// <summary>
/// A sample store written against Tessera's public API only, as a third-party store would be:
/// sessions in a dictionary, each its document's bytes, its expiry, its version and its user.
/// It has every optional capability, and the kit's tests prove it.
/// </summary>
public sealed class DictionaryStore(TimeProvider timeProvider, ILogger? logger = null)
    : IConditionalSessionStore, IEnumerableSessionStore, IUserSessionStore
{
    private static readonly TimeSpan DefaultLifetime = TimeSpan.FromDays(1);

    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private long _lastVersion;

    public ValueTask<SessionData?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            return ValueTask.FromResult(Live(key) is { } entry ? Read(entry) : null);
        }
    }

    public ValueTask<object?> SetAsync(string key, SessionData data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(data);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            return ValueTask.FromResult<object?>(Write(key, data));
        }
    }

    public ValueTask<object?> TrySetAsync(string key, SessionData data, object expectedVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(expectedVersion);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            // A missing or expired session never matches: nothing is brought back.
            var matches = Live(key) is { } entry && expectedVersion is long expected && entry.Version == expected;
            return ValueTask.FromResult<object?>(matches ? Write(key, data) : null);
        }
    }

    public ValueTask DestroyAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            _entries.Remove(key);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask TouchAsync(string key, SessionData data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(data);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            if (Live(key) is { } entry)
            {
                // Only the expiry moves: the document and its version stay as they are.
                _entries[key] = entry with { Expires = StoreDocument.Expiry(data, DefaultLifetime, timeProvider) };
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyDictionary<string, SessionData>> AllAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            var all = LiveEntries().Select(pair => (pair.Key, Data: Read(pair.Value))).Where(pair => pair.Data is not null);
            return ValueTask.FromResult<IReadOnlyDictionary<string, SessionData>>(all.ToDictionary(pair => pair.Key, pair => pair.Data!, StringComparer.Ordinal));
        }
    }

    public ValueTask<long> CountAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            return ValueTask.FromResult((long)LiveEntries().Count());
        }
    }

    public ValueTask ClearAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            _entries.Clear();
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<UserSessionInfo>> GetUserSessionsAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            var sessions = LiveEntries()
                .Where(pair => pair.Value.UserId == userId)
                .Select(pair => Read(pair.Value) is { } data ? new UserSessionInfo(pair.Key, data) : null)
                .OfType<UserSessionInfo>();
            return ValueTask.FromResult<IReadOnlyList<UserSessionInfo>>([.. sessions]);
        }
    }

    private long Write(string key, SessionData data)
    {
        var version = ++_lastVersion;
        _entries[key] = new Entry(data.ToUtf8Json(), StoreDocument.Expiry(data, DefaultLifetime, timeProvider), version, data.UserId);
        return version;
    }

    private Entry? Live(string key) =>
        _entries.TryGetValue(key, out var entry) && entry.Expires > timeProvider.GetUtcNow() ? entry : null;

    private IEnumerable<KeyValuePair<string, Entry>> LiveEntries() =>
        _entries.Where(pair => pair.Value.Expires > timeProvider.GetUtcNow());

    private SessionData? Read(Entry entry)
    {
        var data = StoreDocument.Read(entry.Document, timeProvider, logger);
        if (data is not null)
        {
            data.StoreVersion = entry.Version;
            data.StoreExpires = entry.Expires;
        }

        return data;
    }

    private sealed record Entry(byte[] Document, DateTimeOffset Expires, long Version, string? UserId);
}
