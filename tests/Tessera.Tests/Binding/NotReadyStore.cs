namespace Tessera.Tests.Binding;

/// <summary>A memory store that reports itself not ready, so requests run without a session.</summary>
internal sealed class NotReadyStore : ISessionStore, IDisposable
{
    private readonly MemoryStore _inner = new();

    public bool IsReady { get; set; }

    public ValueTask<SessionData?> GetAsync(string key, CancellationToken cancellationToken = default) => _inner.GetAsync(key, cancellationToken);

    public ValueTask<object?> SetAsync(string key, SessionData data, CancellationToken cancellationToken = default) => _inner.SetAsync(key, data, cancellationToken);

    public ValueTask DestroyAsync(string key, CancellationToken cancellationToken = default) => _inner.DestroyAsync(key, cancellationToken);

    public void Dispose() => _inner.Dispose();
}
