using System.Collections.Concurrent;

namespace Tessera.Tests.Infrastructure;

/// <summary>
/// A store that keeps each session as the JSON document text, as express-session's stores and
/// the Redis and SQLite stores do, and lets a test put any text under an ID. A document that
/// does not parse as a session is unreadable: <see cref="GetAsync"/> returns null.
/// </summary>
internal sealed class DocumentStore(TimeProvider time) : ISessionStore
{
    public ConcurrentDictionary<string, string> Documents { get; } = new(StringComparer.Ordinal);

    public ValueTask<SessionData?> GetAsync(string key, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(
            Documents.TryGetValue(key, out var json) && SessionData.TryParse(System.Text.Encoding.UTF8.GetBytes(json), out var data, time)
                ? data
                : null);

    public ValueTask<object?> SetAsync(string key, SessionData data, CancellationToken cancellationToken = default)
    {
        Documents[key] = data.ToJson();
        return ValueTask.FromResult<object?>(null);
    }

    public ValueTask DestroyAsync(string key, CancellationToken cancellationToken = default)
    {
        Documents.TryRemove(key, out _);
        return ValueTask.CompletedTask;
    }
}
