namespace Tessera;

/// <summary>One of a user's sessions, as <see cref="SessionIndex"/> lists it.</summary>
public sealed class UserSessionInfo
{
    /// <summary>Describes a session.</summary>
    /// <param name="key">The store key: the session ID, or its SHA-256 with <see cref="TesseraOptions.HashIdsInStore"/>.</param>
    /// <param name="data">The stored session.</param>
    public UserSessionInfo(string key, SessionData data)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(data);
        Key = key;
        UserId = data.UserId;
        Created = data.Created;
        LastSeen = data.LastSeen;
        Expires = data.Expires;
        UserAgent = data.UserAgent;
    }

    /// <summary>The store key: the session ID, or its SHA-256 with <see cref="TesseraOptions.HashIdsInStore"/>. Never show it to other users.</summary>
    public string Key { get; }

    /// <summary>The user the session belongs to.</summary>
    public string? UserId { get; }

    /// <summary>When the session was created, when known.</summary>
    public DateTimeOffset? Created { get; }

    /// <summary>When the session was last used, within <see cref="TesseraOptions.TouchAfter"/>.</summary>
    public DateTimeOffset? LastSeen { get; }

    /// <summary>When the session expires, unless used again.</summary>
    public DateTimeOffset? Expires { get; }

    /// <summary>The browser that created the session, when recorded (<see cref="TesseraOptions.RecordUserAgent"/>).</summary>
    public string? UserAgent { get; }

    /// <summary>Whether this is the session of the request that listed it.</summary>
    public bool IsCurrent { get; internal set; }
}
