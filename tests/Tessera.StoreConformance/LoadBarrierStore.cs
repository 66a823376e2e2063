namespace Tessera.StoreConformance;

/// <summary>
/// Wraps a store so that the first <c>n</c> loads after <see cref="Arm"/> wait for each other:
/// every one of those requests reads the same version of the session before any of them
/// writes, which makes the worst case of parallel requests happen every time.
/// </summary>
public sealed class LoadBarrierStore(ISessionStore inner) : ISessionStore
{
    private TaskCompletionSource? _released;
    private int _waiting;
    private int _expected;

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
    public bool IsReady => inner.IsReady;

    /// <inheritdoc/>
    public bool SupportsConditionalWrites => inner.SupportsConditionalWrites;

    /// <inheritdoc/>
    public async ValueTask<SessionData?> GetAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        var data = await inner.GetAsync(sessionId, cancellationToken);
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
    public ValueTask SetAsync(string sessionId, SessionData data, CancellationToken cancellationToken = default) => inner.SetAsync(sessionId, data, cancellationToken);

    /// <inheritdoc/>
    public ValueTask<bool> TrySetAsync(string sessionId, SessionData data, object expectedVersion, CancellationToken cancellationToken = default) =>
        inner.TrySetAsync(sessionId, data, expectedVersion, cancellationToken);

    /// <inheritdoc/>
    public ValueTask DestroyAsync(string sessionId, CancellationToken cancellationToken = default) => inner.DestroyAsync(sessionId, cancellationToken);

    /// <inheritdoc/>
    public ValueTask TouchAsync(string sessionId, SessionData data, CancellationToken cancellationToken = default) => inner.TouchAsync(sessionId, data, cancellationToken);
}
