namespace Tessera.Tests.Binding;

/// <summary>A memory store that reports itself not ready, so requests run without a session.</summary>
internal sealed class NotReadyStore : ISessionStore, IDisposable
{
    private readonly MemoryStore _inner = new();

    public bool IsReady { get; set; }

    public ValueTask<SessionData?> GetAsync(string sessionId, CancellationToken cancellationToken = default) => _inner.GetAsync(sessionId, cancellationToken);

    public ValueTask SetAsync(string sessionId, SessionData data, CancellationToken cancellationToken = default) => _inner.SetAsync(sessionId, data, cancellationToken);

    public ValueTask DestroyAsync(string sessionId, CancellationToken cancellationToken = default) => _inner.DestroyAsync(sessionId, cancellationToken);

    public void Dispose() => _inner.Dispose();
}
