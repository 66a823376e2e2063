namespace Tessera;

/// <summary>Options of the <see cref="MemoryStore"/>.</summary>
public sealed class MemoryStoreOptions
{
    /// <summary>The default of <see cref="MaxSessions"/>: 100,000 sessions.</summary>
    public const int DefaultMaxSessions = 100_000;

    /// <summary>
    /// How long a session whose cookie has no expiry (a browser-session cookie) is kept after
    /// its last write or touch, so that such sessions cannot pile up for ever.
    /// </summary>
    /// <value>Default one day, the TTL connect-redis gives such sessions.</value>
    public TimeSpan DefaultLifetime { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// The most sessions the store holds. Every request without a session cookie that writes to
    /// its session adds one, so without a bound a client that drops its cookies can fill the
    /// process's memory; when a new session would exceed the bound, another one is evicted.
    /// </summary>
    /// <value>
    /// Default <see cref="DefaultMaxSessions"/> (100,000). An idle session of a typical size (a
    /// 293-byte document) holds about 464 bytes of managed memory, so a full store of such
    /// sessions holds about 46 MB: little enough for a small container, and more sessions than one
    /// process keeping them in memory should expect to serve within their lifetime (a larger
    /// audience is the case for a durable, shared store). A session's values are the application's,
    /// so a store whose sessions keep kilobytes holds proportionally more: lower the bound for them.
    /// Must be positive; <see langword="null"/> removes the bound, which only a store that never
    /// sees anonymous traffic can afford.
    /// </value>
    /// <remarks>
    /// <para>
    /// Eviction order: sessions without a user (<see cref="SessionData.UserId"/> null, that is
    /// anonymous visitors) go first, and a session with a user only once no anonymous session is
    /// left; within each group the session that expires soonest goes first. The session being
    /// written is never the one its own write evicts.
    /// </para>
    /// <para>
    /// Why not least recently used: the sessions a flood creates are all fresh, so a flood evicts
    /// everything older than its last <c>MaxSessions</c> sessions under either policy; expiry
    /// order costs nothing more than the expiry queue the store already keeps (no bookkeeping on
    /// reads, no extra memory per session), follows each session's own lifetime (a session that
    /// is about to expire is the cheapest to lose), and rolling or touched sessions move back in
    /// the order as they are used. What protects real users from a flood is the first rule: a
    /// cookie-less flood only creates anonymous sessions, so it evicts anonymous sessions (its own
    /// included) and reaches signed-in sessions only when it fills the whole bound with none left.
    /// </para>
    /// <para>
    /// The trade-off: an attacker can still evict anonymous visitors' sessions (a visitor idle for
    /// longer than <c>MaxSessions</c> divided by the flood's rate loses its session). Sessions that
    /// must survive that, a restart or a second instance belong in a durable store
    /// (<c>Tessera.Sqlite</c>, <c>Tessera.Redis</c>). Each eviction is counted by the
    /// <c>tessera.memory_store.evictions</c> counter of the <c>Tessera</c> meter, and a Warning is
    /// logged at most once a minute with the number evicted since the previous one.
    /// </para>
    /// </remarks>
    public int? MaxSessions { get; set; } = DefaultMaxSessions;

    /// <summary>How often expired sessions are evicted in the background.</summary>
    /// <value>Default one minute.</value>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(1);
}
