namespace Tessera;

/// <summary>
/// The store's Lua scripts. Each touches one key only (the one in <c>KEYS[1]</c>), so each runs
/// on Redis Cluster.
/// </summary>
internal static class RedisScripts
{
    /// <summary>
    /// Compare-and-set on one session key (KEYS[1]): the value must still be the expected document
    /// (ARGV[1]); then it becomes the new one (ARGV[2]) for ARGV[3] seconds (a positive whole
    /// number, passed on to <c>SET … EX</c> as the text it is, never converted to a Lua number). A
    /// missing (or expired) key never matches. 1 when written.
    /// </summary>
    public const string CompareAndSet = """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then
            return 0
        end
        redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
        return 1
        """;

    /// <summary>
    /// Compare-and-delete on one session key (KEYS[1]), for a session written with an expiry already
    /// past: deleted only if its value is still the expected document (ARGV[1]). 1 when deleted.
    /// </summary>
    public const string CompareAndDelete = """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then
            return 0
        end
        redis.call('DEL', KEYS[1])
        return 1
        """;

    /// <summary>
    /// Records a session (ARGV[1]) in its user's sorted set (KEYS[1]) with the time its key expires,
    /// ARGV[2] seconds from now on the server's clock, as its score; drops every member whose time has
    /// come (a session that expired, or that was destroyed and not removed); and gives the set the
    /// TTL of its longest-lived member. The set therefore holds at most the user's live sessions
    /// (plus destroyed ones until their time) and never outlives them.
    /// </summary>
    public const string IndexUser = """
        local now = tonumber(redis.call('TIME')[1])
        redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
        local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
        if last[2] then
            redis.call('EXPIRE', KEYS[1], tonumber(last[2]) - now)
        end
        return 1
        """;

    /// <summary>
    /// Removes a session (ARGV[1]) from its user's sorted set (KEYS[1]), drops the members whose time
    /// has come, and gives the set the TTL of its longest-lived member (deleting it when empty).
    /// </summary>
    public const string UnindexUser = """
        local now = tonumber(redis.call('TIME')[1])
        redis.call('ZREM', KEYS[1], ARGV[1])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
        local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
        if last[2] then
            redis.call('EXPIRE', KEYS[1], tonumber(last[2]) - now)
        end
        return 1
        """;
}
