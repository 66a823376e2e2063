using System.Text;

namespace Tessera.StoreConformance;

/// <summary>
/// Wraps a store with conditional writes as a second instance of an app would look from this
/// one: after <see cref="Intervene"/>, just before each conditional write of this app, the
/// "other instance" reads the session and commits a key of its own over the version it read,
/// so that this app's write meets a real conflict in the real store.
/// </summary>
public sealed class InterveningWriterStore : IConditionalSessionStore
{
    private readonly IConditionalSessionStore _inner;
    private int _remaining;
    private int _interventions;
    private Action? _each;

    private InterveningWriterStore(IConditionalSessionStore inner)
    {
        _inner = inner;
    }

    /// <summary>Wraps a store, which must have conditional writes.</summary>
    public static InterveningWriterStore Over(ISessionStore inner) =>
        new(inner as IConditionalSessionStore ?? throw new ArgumentException($"{inner.GetType().Name} has no conditional writes.", nameof(inner)));

    /// <summary>How many times the other instance committed.</summary>
    public int Interventions => Volatile.Read(ref _interventions);

    /// <summary>The keys the other instance set, in order: <c>other01</c>, <c>other02</c>, …</summary>
    public IEnumerable<string> KeysSet => Enumerable.Range(1, Interventions).Select(KeyOf);

    /// <inheritdoc/>
    public bool IsReady => _inner.IsReady;

    /// <summary>
    /// Makes the other instance commit before each of the next <paramref name="times"/>
    /// conditional writes, running <paramref name="each"/> (such as moving a fake clock) after each commit.
    /// </summary>
    public void Intervene(int times, Action? each = null)
    {
        _each = each;
        Volatile.Write(ref _remaining, times);
    }

    /// <inheritdoc/>
    public async ValueTask<object?> TrySetAsync(string key, SessionData data, object expectedVersion, CancellationToken cancellationToken = default)
    {
        if (TakeIntervention())
        {
            var current = await _inner.GetAsync(key, cancellationToken)
                ?? throw new InvalidOperationException("The other instance found no session to write.");
            var n = Interlocked.Increment(ref _interventions);
            current.SetRawValue(KeyOf(n), Encoding.UTF8.GetBytes("\"theirs\""));
            if (await _inner.TrySetAsync(key, current, current.StoreVersion!, cancellationToken) is null)
            {
                throw new InvalidOperationException("The other instance's own write met a conflict.");
            }

            _each?.Invoke();
        }

        return await _inner.TrySetAsync(key, data, expectedVersion, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask<SessionData?> GetAsync(string key, CancellationToken cancellationToken = default) => _inner.GetAsync(key, cancellationToken);

    /// <inheritdoc/>
    public ValueTask<object?> SetAsync(string key, SessionData data, CancellationToken cancellationToken = default) => _inner.SetAsync(key, data, cancellationToken);

    /// <inheritdoc/>
    public ValueTask DestroyAsync(string key, CancellationToken cancellationToken = default) => _inner.DestroyAsync(key, cancellationToken);

    /// <inheritdoc/>
    public ValueTask TouchAsync(string key, SessionData data, CancellationToken cancellationToken = default) => _inner.TouchAsync(key, data, cancellationToken);

    /// <summary>Takes one of the commits still to make; false when none is left.</summary>
    private bool TakeIntervention()
    {
        int remaining;
        do
        {
            remaining = Volatile.Read(ref _remaining);
            if (remaining <= 0)
            {
                return false;
            }
        }
        while (Interlocked.CompareExchange(ref _remaining, remaining - 1, remaining) != remaining);
        return true;
    }

    private static string KeyOf(int n) => $"other{n:00}";
}
