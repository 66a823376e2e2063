namespace Tessera;

/// <summary>Options of the <see cref="MemoryStore"/>.</summary>
public sealed class MemoryStoreOptions
{
    /// <summary>
    /// How long a session whose cookie has no expiry (a browser-session cookie) is kept after
    /// its last write or touch, so that such sessions cannot pile up for ever.
    /// </summary>
    /// <value>Default one day, the TTL connect-redis gives such sessions.</value>
    public TimeSpan DefaultLifetime { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// The most sessions the store holds; when a new session would exceed it, the session that
    /// expires soonest is evicted. <see langword="null"/> for no bound.
    /// </summary>
    public int? MaxSessions { get; set; }

    /// <summary>How often expired sessions are evicted in the background.</summary>
    /// <value>Default one minute.</value>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(1);
}
