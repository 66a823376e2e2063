using System.Collections.Concurrent;

namespace Tessera.Tests.Infrastructure;

/// <summary>
/// A store that keeps copies of the <see cref="SessionData"/> objects themselves, never a JSON
/// document, so the cookie's expiry comes back as the date it was (the analogue of
/// express-session's SmartStore, which hands back <c>expires</c> as a Date).
/// </summary>
internal sealed class ObjectStore : ISessionStore
{
    private readonly ConcurrentDictionary<string, SessionData> _sessions = new(StringComparer.Ordinal);

    public ValueTask<SessionData?> GetAsync(string sessionId, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_sessions.TryGetValue(sessionId, out var data) ? data.Clone() : null);

    public ValueTask SetAsync(string sessionId, SessionData data, CancellationToken cancellationToken = default)
    {
        _sessions[sessionId] = data.Clone();
        return ValueTask.CompletedTask;
    }

    public ValueTask DestroyAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        _sessions.TryRemove(sessionId, out _);
        return ValueTask.CompletedTask;
    }
}
