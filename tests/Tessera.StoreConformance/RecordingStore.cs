using System.Collections.Concurrent;

namespace Tessera.StoreConformance;

/// <summary>
/// Wraps a store to watch what reaches it: counts the writes and touches, records every key and
/// document written, opens a gate when a write for a given key is stored, and can fail the next
/// write once.
/// </summary>
public class RecordingStore : ISessionStore
{
    private readonly ISessionStore _inner;
    private readonly ConcurrentDictionary<string, Gate> _stored = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _written = new();
    private int _writes;
    private int _failNextWrite;

    private RecordingStore(ISessionStore inner)
    {
        _inner = inner;
    }

    /// <summary>Wraps a store; the wrapper has conditional writes when the store has.</summary>
    public static RecordingStore Over(ISessionStore inner) => inner is IConditionalSessionStore conditional ? new Conditional(conditional) : new RecordingStore(inner);

    /// <summary>The wrapped store.</summary>
    public ISessionStore Inner => _inner;

    /// <summary>How many writes and touches (<c>SetAsync</c>, <c>TrySetAsync</c>, <c>TouchAsync</c>) reached the store.</summary>
    public int Writes => Volatile.Read(ref _writes);

    /// <summary>Every key passed to the store and every document written to it, in order.</summary>
    public IReadOnlyCollection<string> Written => _written;

    /// <inheritdoc/>
    public bool IsReady => _inner.IsReady;

    /// <summary>A gate that opens when a write of the session under <paramref name="key"/> is stored.</summary>
    public Gate StoredTo(string key) => _stored.GetOrAdd(key, k => new Gate($"a write of session {k} to reach the store"));

    /// <summary>Makes the next write (<c>SetAsync</c> or <c>TrySetAsync</c>) throw <see cref="InvalidOperationException"/>, once.</summary>
    public void FailNextWrite() => Volatile.Write(ref _failNextWrite, 1);

    /// <inheritdoc/>
    public ValueTask<SessionData?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        _written.Enqueue(key);
        return _inner.GetAsync(key, cancellationToken);
    }

    /// <inheritdoc/>
    public async ValueTask<object?> SetAsync(string key, SessionData data, CancellationToken cancellationToken = default)
    {
        Record(key, data);
        var version = await _inner.SetAsync(key, data, cancellationToken);
        Stored(key);
        return version;
    }

    /// <inheritdoc/>
    public ValueTask DestroyAsync(string key, CancellationToken cancellationToken = default)
    {
        _written.Enqueue(key);
        return _inner.DestroyAsync(key, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask TouchAsync(string key, SessionData data, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _writes);
        _written.Enqueue(key);
        _written.Enqueue(data.ToJson());
        return _inner.TouchAsync(key, data, cancellationToken);
    }

    private protected void Record(string key, SessionData data)
    {
        Interlocked.Increment(ref _writes);
        _written.Enqueue(key);
        _written.Enqueue(data.ToJson());
        if (Interlocked.Exchange(ref _failNextWrite, 0) == 1)
        {
            throw new InvalidOperationException($"The store failed the write of session {key} (a failure the test injected).");
        }
    }

    private protected void Stored(string key)
    {
        if (_stored.TryGetValue(key, out var gate))
        {
            gate.Open();
        }
    }

    private sealed class Conditional(IConditionalSessionStore conditional) : RecordingStore(conditional), IConditionalSessionStore
    {
        public async ValueTask<object?> TrySetAsync(string key, SessionData data, object expectedVersion, CancellationToken cancellationToken = default)
        {
            Record(key, data);
            var written = await conditional.TrySetAsync(key, data, expectedVersion, cancellationToken);
            if (written is not null)
            {
                Stored(key);
            }

            return written;
        }
    }
}
