namespace Tessera.StoreConformance;

/// <summary>
/// Wraps a store so that the first <c>n</c> loads after <see cref="Arm"/> wait for each other:
/// every one of those requests reads the same version of the session before any of them
/// writes, which makes the worst case of parallel requests happen every time.
/// </summary>
public class LoadBarrierStore : ISessionStore
{
    private readonly ISessionStore _inner;
    private TaskCompletionSource? _released;
    private int _waiting;
    private int _expected;

    private LoadBarrierStore(ISessionStore inner)
    {
        _inner = inner;
    }

    /// <summary>Wraps a store; the wrapper has conditional writes when the store has.</summary>
    public static LoadBarrierStore Over(ISessionStore inner) => inner is IConditionalSessionStore conditional ? new Conditional(conditional) : new LoadBarrierStore(inner);

    /// <summary>Makes the next <paramref name="loads"/> loads wait for each other (at most <see cref="Timeout"/>).</summary>
    public void Arm(int loads)
    {
        _expected = loads;
        _waiting = 0;
        _released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>How long a load waits for the others before it gives up waiting.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether all the expected loads met.</summary>
    public bool Met => _released?.Task.IsCompletedSuccessfully == true;

    /// <inheritdoc/>
    public bool IsReady => _inner.IsReady;

    /// <inheritdoc/>
    public async ValueTask<SessionData?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        var data = await _inner.GetAsync(key, cancellationToken);
        if (_released is { Task.IsCompleted: false } released)
        {
            if (Interlocked.Increment(ref _waiting) >= _expected)
            {
                released.TrySetResult();
            }

            try
            {
                await released.Task.WaitAsync(Timeout, cancellationToken);
            }
            catch (TimeoutException)
            {
                // Proceed: the test's own assertions report that the loads did not meet.
            }
        }

        return data;
    }

    /// <inheritdoc/>
    public ValueTask<object?> SetAsync(string key, SessionData data, CancellationToken cancellationToken = default) => _inner.SetAsync(key, data, cancellationToken);

    /// <inheritdoc/>
    public ValueTask DestroyAsync(string key, CancellationToken cancellationToken = default) => _inner.DestroyAsync(key, cancellationToken);

    /// <inheritdoc/>
    public ValueTask TouchAsync(string key, SessionData data, CancellationToken cancellationToken = default) => _inner.TouchAsync(key, data, cancellationToken);

    private sealed class Conditional(IConditionalSessionStore conditional) : LoadBarrierStore(conditional), IConditionalSessionStore
    {
        public ValueTask<object?> TrySetAsync(string key, SessionData data, object expectedVersion, CancellationToken cancellationToken = default) =>
            conditional.TrySetAsync(key, data, expectedVersion, cancellationToken);
    }
}
