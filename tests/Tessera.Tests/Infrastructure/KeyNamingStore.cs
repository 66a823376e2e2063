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

    public ValueTask<SessionData?> GetAsync(string storeKey, CancellationToken cancellationToken = default)
    {
        Check("get", storeKey);
        return _inner.GetAsync(storeKey, cancellationToken);
    }

    public ValueTask<object?> SetAsync(string storeKey, SessionData data, CancellationToken cancellationToken = default)
    {
        Check("set", storeKey);
        return _inner.SetAsync(storeKey, data, cancellationToken);
    }

    public ValueTask DestroyAsync(string storeKey, CancellationToken cancellationToken = default)
    {
        Check("destroy", storeKey);
        return _inner.DestroyAsync(storeKey, cancellationToken);
    }

    public ValueTask TouchAsync(string storeKey, SessionData data, CancellationToken cancellationToken = default)
    {
        Check("touch", storeKey);
        return _inner.TouchAsync(storeKey, data, cancellationToken);
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
