namespace Tessera;

/// <summary>Options of the <see cref="RedisStore"/>. The defaults are connect-redis's.</summary>
public sealed class RedisStoreOptions
{
    /// <summary>
    /// The StackExchange.Redis configuration string (for example <c>localhost:6379</c>) of the
    /// connection the store opens and owns. <see langword="null"/> when the store is given a
    /// connection instead.
    /// </summary>
    /// <remarks>
    /// Unless the string says otherwise (<c>abortConnect=true</c>), the store keeps retrying an
    /// unreachable server in the background rather than failing the first call.
    /// </remarks>
    public string? Configuration { get; set; }

    /// <summary>
    /// The prefix of the sessions' keys: a session is stored under <c>KeyPrefix + key</c>
    /// (connect-redis's <c>prefix</c>). The user index's sets are under a prefix derived from it that
    /// does not start with it (<c>sess-user:</c> for <c>sess:</c>), so that listing and counting by
    /// <c>SCAN KeyPrefix*</c>, connect-redis's included, see sessions only.
    /// </summary>
    /// <value>Default <c>sess:</c>, as connect-redis.</value>
    /// <remarks>
    /// Listing, counting and clearing cover every key that starts with the prefix, so an empty
    /// prefix makes <see cref="RedisStore.ClearAsync"/> empty the whole database.
    /// </remarks>
    public string KeyPrefix { get; set; } = "sess:";

    /// <summary>
    /// The TTL of a session whose cookie has no expiry (a browser-session cookie). Redis TTLs are
    /// whole seconds, so it is rounded up to one.
    /// </summary>
    /// <value>Default one day, as connect-redis.</value>
    public TimeSpan DefaultLifetime { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// Whether <see cref="RedisStore.TouchAsync"/> does nothing, so that a session expires a fixed
    /// time after it was last written rather than after it was last used.
    /// </summary>
    /// <value>Default <see langword="false"/>.</value>
    public bool DisableTouch { get; set; }

    /// <summary>The Redis database number; -1 for the connection's default database.</summary>
    /// <value>Default -1.</value>
    public int Database { get; set; } = -1;

    /// <summary>
    /// How many keys each <c>SCAN</c> step asks for when sessions are listed, counted or cleared
    /// (its <c>COUNT</c> hint). Deletions and reads are sent in batches of one step's keys.
    /// </summary>
    /// <value>Default 100, as connect-redis's <c>scanCount</c>.</value>
    public int ScanCount { get; set; } = 100;
}
