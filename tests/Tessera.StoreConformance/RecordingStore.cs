using System.Collections.Concurrent;

namespace Tessera.StoreConformance;

/// <summary>
/// Wraps a store to watch what reaches it: counts the writes and touches, records every key and
/// document written, opens a gate when a write for a given key is stored, and can fail the next
/// write once.
/// </summary>
public sealed class RecordingStore(ISessionStore inner) : ISessionStore
{
    private readonly ConcurrentDictionary<string, Gate> _stored = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _written = new();
    private int _writes;
    private int _failNextWrite;

    /// <summary>The wrapped store.</summary>
    public ISessionStore Inner => inner;

    /// <summary>How many writes and touches (<c>SetAsync</c>, <c>TrySetAsync</c>, <c>TouchAsync</c>) reached the store.</summary>
    public int Writes => Volatile.Read(ref _writes);

    /// <summary>Every key passed to the store and every document written to it, in order.</summary>
    public IReadOnlyCollection<string> Written => _written;

    /// <inheritdoc/>
    public bool IsReady => inner.IsReady;

    /// <inheritdoc/>
    public bool SupportsConditionalWrites => inner.SupportsConditionalWrites;

    /// <summary>A gate that opens when a write of the session under <paramref name="key"/> is stored.</summary>
    public Gate StoredTo(string key) => _stored.GetOrAdd(key, k => new Gate($"a write of session {k} to reach the store"));

    /// <summary>Makes the next write (<c>SetAsync</c> or <c>TrySetAsync</c>) throw <see cref="InvalidOperationException"/>, once.</summary>
    public void FailNextWrite() => Volatile.Write(ref _failNextWrite, 1);

    /// <inheritdoc/>
    public ValueTask<SessionData?> GetAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        _written.Enqueue(sessionId);
        return inner.GetAsync(sessionId, cancellationToken);
    }

    /// <inheritdoc/>
    public async ValueTask SetAsync(string sessionId, SessionData data, CancellationToken cancellationToken = default)
    {
        Record(sessionId, data);
        await inner.SetAsync(sessionId, data, cancellationToken);
        Stored(sessionId);
    }

    /// <inheritdoc/>
    public async ValueTask<bool> TrySetAsync(string sessionId, SessionData data, object expectedVersion, CancellationToken cancellationToken = default)
    {
        Record(sessionId, data);
        var written = await inner.TrySetAsync(sessionId, data, expectedVersion, cancellationToken);
        if (written)
        {
            Stored(sessionId);
        }

        return written;
    }

    /// <inheritdoc/>
    public ValueTask DestroyAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        _written.Enqueue(sessionId);
        return inner.DestroyAsync(sessionId, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask TouchAsync(string sessionId, SessionData data, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _writes);
        _written.Enqueue(sessionId);
        _written.Enqueue(data.ToJson());
        return inner.TouchAsync(sessionId, data, cancellationToken);
    }

    private void Record(string sessionId, SessionData data)
    {
        Interlocked.Increment(ref _writes);
        _written.Enqueue(sessionId);
        _written.Enqueue(data.ToJson());
        if (Interlocked.Exchange(ref _failNextWrite, 0) == 1)
        {
            throw new InvalidOperationException($"The store failed the write of session {sessionId} (a failure the test injected).");
        }
    }

    private void Stored(string sessionId)
    {
        if (_stored.TryGetValue(sessionId, out var gate))
        {
            gate.Open();
        }
    }
}
