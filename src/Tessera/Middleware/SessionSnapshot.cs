namespace Tessera.Middleware;

/// <summary>
/// What a request can change in a session, as it stood at one moment: the values (in order),
/// the user and the metadata that goes with it, and the cookie's lifetime and attributes.
/// The cookie's expiry is left out: every request re-arms it, which is not a change.
/// </summary>
internal sealed class SessionSnapshot
{
    private readonly KeyValuePair<string, byte[]>[] _values;

    private SessionSnapshot(KeyValuePair<string, byte[]>[] values, string? userId, string? userAgent, DateTimeOffset? created, CookieShape cookie)
    {
        _values = values;
        UserId = userId;
        UserAgent = userAgent;
        Created = created;
        Cookie = cookie;
    }

    public string? UserId { get; }

    public string? UserAgent { get; }

    public DateTimeOffset? Created { get; }

    public CookieShape Cookie { get; }

    public static SessionSnapshot Of(SessionData data)
    {
        var values = data.Values;
        var entries = values.Count == 0 ? [] : new KeyValuePair<string, byte[]>[values.Count];
        for (var i = 0; i < entries.Length; i++)
        {
            entries[i] = values.GetAt(i);
        }

        var metadata = data.Metadata;
        return new SessionSnapshot(entries, metadata?.UserId, metadata?.UserAgent, metadata?.Created, CookieShape.Of(data.Cookie));
    }

    /// <summary>Whether the values are these, in this order, byte for byte.</summary>
    public bool HasValuesOf(SessionData data)
    {
        var values = data.Values;
        if (values.Count != _values.Length)
        {
            return false;
        }

        for (var i = 0; i < _values.Length; i++)
        {
            var (key, json) = values.GetAt(i);
            if (key != _values[i].Key || !SameJson(json, _values[i].Value))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether the session's values and user are as they were (express-session's "modified", plus the user).</summary>
    public bool HasValuesAndUserOf(SessionData data) => data.UserId == UserId && HasValuesOf(data);

    /// <summary>Whether nothing that is saved with the session's data changed: values, user, metadata.</summary>
    public bool HasDataOf(SessionData data) =>
        HasValuesAndUserOf(data) && data.Metadata?.UserAgent == UserAgent && data.Metadata?.Created == Created;

    /// <summary>What changed from this snapshot to <paramref name="data"/>.</summary>
    public SessionChanges ChangesTo(SessionData data)
    {
        var changes = new SessionChanges();
        var before = new Dictionary<string, byte[]>(_values.Length, StringComparer.Ordinal);
        foreach (var (key, json) in _values)
        {
            before[key] = json;
        }

        foreach (var (key, json) in data.Values)
        {
            if (!before.Remove(key, out var old) || !SameJson(old, json))
            {
                changes.Set.Add(new(key, json));
            }
        }

        changes.Removed.AddRange(before.Keys);
        var metadata = data.Metadata;
        changes.User = metadata?.UserId != UserId || metadata?.UserAgent != UserAgent;
        changes.Created = metadata?.Created != Created;
        changes.Cookie = CookieShape.Of(data.Cookie) != Cookie;
        return changes;
    }

    private static bool SameJson(byte[] a, byte[] b) => ReferenceEquals(a, b) || a.AsSpan().SequenceEqual(b);
}
