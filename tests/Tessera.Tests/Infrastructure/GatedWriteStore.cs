using Tessera.StoreConformance;

namespace Tessera.Tests.Infrastructure;

/// <summary>A store that holds every session write at a gate until the test opens it.</summary>
internal sealed class GatedWriteStore : ISessionStore
{
    private int _writes;

    /// <summary>Opened when a session write reaches the store.</summary>
    public Gate WriteStarted { get; } = new("the session write to reach the store");

    /// <summary>Opened by the test to let the session write finish.</summary>
    public Gate Release { get; } = new("the test to let the session write finish");

    /// <summary>How many session writes finished.</summary>
    public int Writes => Volatile.Read(ref _writes);

    public ValueTask<SessionData?> GetAsync(string key, CancellationToken cancellationToken = default) => ValueTask.FromResult<SessionData?>(null);

    public async ValueTask<object?> SetAsync(string key, SessionData data, CancellationToken cancellationToken = default)
    {
        WriteStarted.Open();
        await Release.WaitAsync();
        Interlocked.Increment(ref _writes);
        return null;
    }

    public ValueTask DestroyAsync(string key, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
}
