namespace Tessera.StoreConformance;

/// <summary>
/// Wraps a store so that, once armed, a call never completes: a load that ends only when its
/// token is cancelled, a load that ignores its token, or a write that ignores its token.
/// It records the token the call was given and opens gates when the call arrives and when its
/// token is cancelled.
/// </summary>
public class StallingStore : ISessionStore
{
    private readonly ISessionStore _inner;
    private readonly TaskCompletionSource _never = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private StallingCall _armed;

    private StallingStore(ISessionStore inner)
    {
        _inner = inner;
    }

    /// <summary>Wraps a store; the wrapper has conditional writes when the store has.</summary>
    public static StallingStore Over(ISessionStore inner) => inner is IConditionalSessionStore conditional ? new Conditional(conditional) : new StallingStore(inner);

    /// <summary>Opened when the stalled call reaches the store.</summary>
    public Gate Reached { get; } = new("the store call to reach the store");

    /// <summary>Opened when the token of the stalled call is cancelled.</summary>
    public Gate TokenCancelled { get; } = new("the token given to the stalled store call to be cancelled");

    /// <summary>The token the stalled call was given.</summary>
    public CancellationToken Token { get; private set; }

    /// <inheritdoc/>
    public bool IsReady => _inner.IsReady;

    /// <summary>Makes the next call of the given kind stall.</summary>
    public void Arm(StallingCall call) => _armed = call;

    /// <inheritdoc/>
    public async ValueTask<SessionData?> GetAsync(string key, CancellationToken cancellationToken = default)
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

        return await _inner.GetAsync(key, cancellationToken);
    }

    /// <inheritdoc/>
    public async ValueTask<object?> SetAsync(string key, SessionData data, CancellationToken cancellationToken = default)
    {
        await StallWriteAsync(cancellationToken);
        return await _inner.SetAsync(key, data, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask DestroyAsync(string key, CancellationToken cancellationToken = default) => _inner.DestroyAsync(key, cancellationToken);

    /// <inheritdoc/>
    public ValueTask TouchAsync(string key, SessionData data, CancellationToken cancellationToken = default) => _inner.TouchAsync(key, data, cancellationToken);

    private protected async Task StallWriteAsync(CancellationToken cancellationToken)
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

    private sealed class Conditional(IConditionalSessionStore conditional) : StallingStore(conditional), IConditionalSessionStore
    {
        public async ValueTask<object?> TrySetAsync(string key, SessionData data, object expectedVersion, CancellationToken cancellationToken = default)
        {
            await StallWriteAsync(cancellationToken);
            return await conditional.TrySetAsync(key, data, expectedVersion, cancellationToken);
        }
    }
}
