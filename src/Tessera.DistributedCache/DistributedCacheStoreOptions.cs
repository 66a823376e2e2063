namespace Tessera;

/// <summary>Options of the <see cref="DistributedCacheStore"/>.</summary>
public sealed class DistributedCacheStoreOptions
{
    /// <summary>The prefix of every cache key: a session is stored under <c>KeyPrefix + key</c> (the store key: the session ID, or its hash with <see cref="TesseraOptions.HashIdsInStore"/>).</summary>
    /// <value>Default <c>sess:</c>, as connect-redis's keys.</value>
    /// <remarks>
    /// The cache may add its own prefix in front (for example <c>RedisCacheOptions.InstanceName</c>).
    /// </remarks>
    public string KeyPrefix { get; set; } = "sess:";

    /// <summary>
    /// How long a session whose cookie has no expiry (a browser-session cookie) is kept after its
    /// last write or touch.
    /// </summary>
    /// <value>Default one day, as the other stores.</value>
    public TimeSpan DefaultLifetime { get; set; } = TimeSpan.FromDays(1);
}
