using System.Collections.Concurrent;

namespace Tessera.Tests.Infrastructure;

/// <summary>
/// A <see cref="MemoryStore"/> whose calls fail, when told to, the way a careless store's do:
/// the exception, its inner exception and its data name the key it failed on. Records every key
/// it was given.
/// </summary>
internal sealed class KeyNamingStore(TimeProvider time) : ISessionStore, IDisposable
{
    private readonly MemoryStore _inner = new(timeProvider: time);

    /// <summary>The operations that fail: <c>get</c>, <c>set</c>, <c>touch</c>, <c>destroy</c>.</summary>
    public HashSet<string> Failing { get; } = [];

    /// <summary>Every key the store was given.</summary>
    public ConcurrentBag<string> Keys { get; } = [];

    public ValueTask<SessionData?> GetAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        Check("get", sessionId);
        return _inner.GetAsync(sessionId, cancellationToken);
    }

    public ValueTask SetAsync(string sessionId, SessionData data, CancellationToken cancellationToken = default)
    {
        Check("set", sessionId);
        return _inner.SetAsync(sessionId, data, cancellationToken);
    }

    public ValueTask DestroyAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        Check("destroy", sessionId);
        return _inner.DestroyAsync(sessionId, cancellationToken);
    }

    public ValueTask TouchAsync(string sessionId, SessionData data, CancellationToken cancellationToken = default)
    {
        Check("touch", sessionId);
        return _inner.TouchAsync(sessionId, data, cancellationToken);
    }

    public void Dispose() => _inner.Dispose();

    private void Check(string operation, string key)
    {
        Keys.Add(key);
        if (Failing.Contains(operation))
        {
            var inner = new IOException($"the connection dropped while {operation} sess:{key} was in flight");
            throw new InvalidOperationException($"failed on key {key}", inner) { Data = { ["key"] = key } };
        }
    }
}
