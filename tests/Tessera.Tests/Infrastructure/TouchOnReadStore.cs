using System.Collections.Concurrent;

namespace Tessera.Tests.Infrastructure;

/// <summary>
/// A <see cref="MemoryStore"/> (which reads and touches in one call, <see cref="ITouchOnReadSessionStore"/>)
/// that records every call the middleware makes, with the expiries it asks for.
/// </summary>
internal sealed class TouchOnReadStore(TimeProvider time) : ITouchOnReadSessionStore
{
    private readonly IEnumerableSessionStore _inner = new MemoryStore(timeProvider: time);

    public IEnumerableSessionStore Inner => _inner;

    /// <summary>What happened, in order: <c>get</c>, <c>get+touch</c>, <c>set</c>, <c>touch</c>, <c>destroy</c>.</summary>
    public ConcurrentQueue<string> Calls { get; } = new();

    /// <summary>The expiries <see cref="GetAndTouchAsync"/> was asked for.</summary>
    public ConcurrentQueue<DateTimeOffset> Armed { get; } = new();

    public ValueTask<SessionData?> GetAndTouchAsync(string key, DateTimeOffset expires, CancellationToken cancellationToken = default)
    {
        Calls.Enqueue("get+touch");
        Armed.Enqueue(expires);
        return ((ITouchOnReadSessionStore)_inner).GetAndTouchAsync(key, expires, cancellationToken);
    }

    public ValueTask<SessionData?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        Calls.Enqueue("get");
        return _inner.GetAsync(key, cancellationToken);
    }

    public ValueTask<object?> SetAsync(string key, SessionData data, CancellationToken cancellationToken = default)
    {
        Calls.Enqueue("set");
        return _inner.SetAsync(key, data, cancellationToken);
    }

    public ValueTask TouchAsync(string key, SessionData data, CancellationToken cancellationToken = default)
    {
        Calls.Enqueue("touch");
        return _inner.TouchAsync(key, data, cancellationToken);
    }

    public ValueTask DestroyAsync(string key, CancellationToken cancellationToken = default)
    {
        Calls.Enqueue("destroy");
        return _inner.DestroyAsync(key, cancellationToken);
    }
}
