namespace Tessera.Middleware;

/// <summary>
/// What one request changed in a session since it last read or wrote it: keys set (with their
/// JSON) and removed, the user, the creation time, the cookie. On a write conflict exactly these
/// are applied to the newer stored version, and nothing the request only read.
/// </summary>
internal sealed class SessionChanges
{
    public List<KeyValuePair<string, byte[]>> Set { get; } = [];

    public List<string> Removed { get; } = [];

    /// <summary>The user (and the User-Agent recorded with it) changed.</summary>
    public bool User { get; set; }

    /// <summary>The creation time was recorded (for the absolute timeout).</summary>
    public bool Created { get; set; }

    /// <summary>The cookie's lifetime or an attribute changed.</summary>
    public bool Cookie { get; set; }

    /// <summary>Applies the changes of <paramref name="mine"/> to <paramref name="latest"/>, another version of the session.</summary>
    public void ApplyTo(SessionData latest, SessionData mine)
    {
        var values = latest.Values;
        foreach (var key in Removed)
        {
            values.Remove(key);
        }

        foreach (var (key, json) in Set)
        {
            values[key] = json;
        }

        if (User)
        {
            latest.UserId = mine.UserId;
            latest.Metadata!.UserAgent = mine.Metadata?.UserAgent;
        }

        if (Created && mine.Metadata?.Created is { } created)
        {
            // Another request may have recorded it first: the earlier start stands.
            var metadata = latest.Metadata ??= new Serialization.SessionMetadata();
            metadata.Created = metadata.Created is { } theirs && theirs < created ? theirs : created;
        }

        if (Cookie)
        {
            latest.Cookie.CopyFrom(mine.Cookie);
        }

        latest.Cookie.Deadline = mine.Cookie.Deadline;
    }
}
