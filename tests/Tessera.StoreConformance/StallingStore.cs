namespace Tessera.StoreConformance;

/// <summary>
/// Wraps a store so that, once armed, a call never completes: a load that ends only when its
/// token is cancelled, a load that ignores its token, or a write that ignores its token.
/// It records the token the call was given and opens gates when the call arrives and when its
/// token is cancelled.
/// </summary>
public sealed class StallingStore(ISessionStore inner) : ISessionStore
{
    private readonly TaskCompletionSource _never = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private StallingCall _armed;

    /// <summary>Opened when the stalled call reaches the store.</summary>
    public Gate Reached { get; } = new("the store call to reach the store");

    /// <summary>Opened when the token of the stalled call is cancelled.</summary>
    public Gate TokenCancelled { get; } = new("the token given to the stalled store call to be cancelled");

    /// <summary>The token the stalled call was given.</summary>
    public CancellationToken Token { get; private set; }

    /// <inheritdoc/>
    public bool IsReady => inner.IsReady;

    /// <inheritdoc/>
    public bool SupportsConditionalWrites => inner.SupportsConditionalWrites;

    /// <summary>Makes the next call of the given kind stall.</summary>
    public void Arm(StallingCall call) => _armed = call;

    /// <inheritdoc/>
    public async ValueTask<SessionData?> GetAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        switch (Take(StallingCall.LoadHonouringToken, StallingCall.LoadIgnoringToken))
        {
            case StallingCall.LoadHonouringToken:
                Stall(cancellationToken);
                await _never.Task.WaitAsync(cancellationToken);
                break;
            case StallingCall.LoadIgnoringToken:
                Stall(cancellationToken);
                await _never.Task;
                break;
        }

        return await inner.GetAsync(sessionId, cancellationToken);
    }

    /// <inheritdoc/>
    public async ValueTask SetAsync(string sessionId, SessionData data, CancellationToken cancellationToken = default)
    {
        await StallWriteAsync(cancellationToken);
        await inner.SetAsync(sessionId, data, cancellationToken);
    }

    /// <inheritdoc/>
    public async ValueTask<bool> TrySetAsync(string sessionId, SessionData data, object expectedVersion, CancellationToken cancellationToken = default)
    {
        await StallWriteAsync(cancellationToken);
        return await inner.TrySetAsync(sessionId, data, expectedVersion, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask DestroyAsync(string sessionId, CancellationToken cancellationToken = default) => inner.DestroyAsync(sessionId, cancellationToken);

    /// <inheritdoc/>
    public ValueTask TouchAsync(string sessionId, SessionData data, CancellationToken cancellationToken = default) => inner.TouchAsync(sessionId, data, cancellationToken);

    private async Task StallWriteAsync(CancellationToken cancellationToken)
    {
        if (Take(StallingCall.WriteIgnoringToken, StallingCall.WriteIgnoringToken) == StallingCall.WriteIgnoringToken)
        {
            Stall(cancellationToken);
            await _never.Task;
        }
    }

    private StallingCall Take(StallingCall one, StallingCall other)
    {
        lock (_never)
        {
            var armed = _armed;
            if (armed == one || armed == other)
            {
                _armed = StallingCall.None;
                return armed;
            }

            return StallingCall.None;
        }
    }

    private void Stall(CancellationToken cancellationToken)
    {
        Token = cancellationToken;
        cancellationToken.Register(TokenCancelled.Open);
        Reached.Open();
    }
}
