using System.Collections.Concurrent;

namespace Tessera.Tests.Infrastructure;

/// <summary>
/// A store that forwards to another (a <see cref="MemoryStore"/> by default), counts the calls
/// the middleware makes and can be told to fail, to hold a write until released, to report
/// "not found" for every read, or to be not ready (express-session's disconnected store).
/// </summary>
internal sealed class CountingStore : IEnumerableSessionStore
{
    private readonly IEnumerableSessionStore _inner;
    private int _gets;
    private int _sets;
    private int _touches;
    private int _destroys;

    public CountingStore(IEnumerableSessionStore inner)
    {
        _inner = inner;
    }

    public CountingStore(TimeProvider time)
        : this(new MemoryStore(timeProvider: time))
    {
    }

    public IEnumerableSessionStore Inner => _inner;

    public int Gets => Volatile.Read(ref _gets);

    public int Sets => Volatile.Read(ref _sets);

    public int Touches => Volatile.Read(ref _touches);

    public int Destroys => Volatile.Read(ref _destroys);

    /// <summary>What happened, in order: <c>get</c>, <c>set</c>, <c>touch</c>, <c>destroy</c> when each call finished.</summary>
    public ConcurrentQueue<string> Events { get; } = new();

    /// <summary>Whether the store is ready; while false the middleware runs requests without a session.</summary>
    public bool Ready { get; set; } = true;

    public Exception? FailGet { get; set; }

    public Exception? FailSet { get; set; }

    public Exception? FailTouch { get; set; }

    public Exception? FailDestroy { get; set; }

    /// <summary>When true every read finds nothing, whatever the inner store holds.</summary>
    public bool FindNothing { get; set; }

    /// <summary>When set, a write waits for this task before it reaches the inner store.</summary>
    public Task? SetGate { get; set; }

    /// <summary>Completes when a write starts waiting at <see cref="SetGate"/>.</summary>
    public TaskCompletionSource SetEntered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    bool ISessionStore.IsReady => Ready;

    /// <summary>Forgets the counts (not the sessions).</summary>
    public void ResetCounts()
    {
        Volatile.Write(ref _gets, 0);
        Volatile.Write(ref _sets, 0);
        Volatile.Write(ref _touches, 0);
        Volatile.Write(ref _destroys, 0);
        Events.Clear();
    }

    public async ValueTask<SessionData?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _gets);
        try
        {
            if (FailGet is { } failure)
            {
                throw failure;
            }

            return FindNothing ? null : await _inner.GetAsync(key, cancellationToken);
        }
        finally
        {
            Events.Enqueue("get");
        }
    }

    public async ValueTask<object?> SetAsync(string key, SessionData data, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _sets);
        try
        {
            if (SetGate is { } gate)
            {
                SetEntered.TrySetResult();
                await gate;
            }

            if (FailSet is { } failure)
            {
                throw failure;
            }

            return await _inner.SetAsync(key, data, cancellationToken);
        }
        finally
        {
            Events.Enqueue("set");
        }
    }

    public async ValueTask TouchAsync(string key, SessionData data, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _touches);
        try
        {
            if (FailTouch is { } failure)
            {
                throw failure;
            }

            await _inner.TouchAsync(key, data, cancellationToken);
        }
        finally
        {
            Events.Enqueue("touch");
        }
    }

    public async ValueTask DestroyAsync(string key, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _destroys);
        try
        {
            if (FailDestroy is { } failure)
            {
                throw failure;
            }

            await _inner.DestroyAsync(key, cancellationToken);
        }
        finally
        {
            Events.Enqueue("destroy");
        }
    }

    public ValueTask<IReadOnlyDictionary<string, SessionData>> AllAsync(CancellationToken cancellationToken = default) =>
        _inner.AllAsync(cancellationToken);

    public ValueTask<long> CountAsync(CancellationToken cancellationToken = default) => _inner.CountAsync(cancellationToken);

    public ValueTask ClearAsync(CancellationToken cancellationToken = default) => _inner.ClearAsync(cancellationToken);
}
