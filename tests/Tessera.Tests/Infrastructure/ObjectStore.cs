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

    public ValueTask<SessionData?> GetAsync(string key, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_sessions.TryGetValue(key, out var data) ? data.Clone() : null);

    public ValueTask<object?> SetAsync(string key, SessionData data, CancellationToken cancellationToken = default)
    {
        _sessions[key] = data.Clone();
        return ValueTask.FromResult<object?>(null);
    }

    public ValueTask DestroyAsync(string key, CancellationToken cancellationToken = default)
    {
        _sessions.TryRemove(key, out _);
        return ValueTask.CompletedTask;
    }
}
