using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Tessera;

/// <summary>
/// The index of sessions by user: for each user, a sorted set at <see cref="RedisKeyspace.User"/>
/// whose members are the store keys of the user's sessions, each scored with the time (Unix
/// seconds, Redis's clock) its session key expires. Every write prunes the members whose time has
/// come and keeps the set's TTL at its longest-lived member's (<see cref="RedisScripts.IndexUser"/>),
/// so a user who signs in often does not grow the set without bound. The set is a separate key
/// from the sessions (in another hash slot on Redis Cluster), so it is updated in the same round
/// trip as a write but not atomically with it; listing checks each member against its session and
/// heals the set.
/// </summary>
internal sealed class RedisUserIndex(RedisKeyspace keys, long defaultTtlSeconds, TimeProvider time, ILogger logger)
{
    /// <summary>Records a session in its user's set, with its session key's TTL.</summary>
    public Task<RedisResult> IndexAsync(IDatabaseAsync database, string userId, string key, long ttl) =>
        database.ScriptEvaluateAsync(RedisScripts.IndexUser, [keys.User(userId)], [key, ttl]);

    /// <summary>
    /// Sends a session write with the session's entry in its user's set on both sides, in one
    /// round trip. The entry before the write means a session is never stored without its entry
    /// (an entry without its session is harmless: reads drop it); the entry after it means a read
    /// that dropped the entry while the write was on its way cannot have the last word (on one
    /// server, commands of one connection run in the order sent).
    /// </summary>
    public async Task<T> AroundAsync<T>(IDatabaseAsync database, string? userId, string key, long ttl, Func<Task<T>> write)
    {
        if (userId is null || ttl <= 0)
        {
            return await write();
        }

        var before = IndexAsync(database, userId, key, ttl);
        var written = write();
        var after = IndexAsync(database, userId, key, ttl);
        await Task.WhenAll(before, written, after);
        return await written;
    }

    /// <summary>Removes a session from the set of the user it belonged to, when that is not its user now.</summary>
    public async Task UnindexAsync(IDatabaseAsync database, string? previousUserId, string? userId, string key, CancellationToken cancellationToken)
    {
        if (previousUserId is not null && previousUserId != userId)
        {
            await database.ScriptEvaluateAsync(RedisScripts.UnindexUser, [keys.User(previousUserId)], [key]).WaitAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Lists a user's sessions: the members of the user's set whose time has not come, then a
    /// <c>GET</c> of each member's session, pipelined. A member whose session is gone, unreadable or
    /// now another user's is removed from the set and read once more, and put back if it has become
    /// this user's session meanwhile, so the read heals the index without racing a write.
    /// </summary>
    public async Task<IReadOnlyList<UserSessionInfo>> ListAsync(IDatabaseAsync database, string userId, CancellationToken cancellationToken)
    {
        var userKey = keys.User(userId);
        var members = await database.SortedSetRangeByRankAsync(userKey).WaitAsync(cancellationToken);
        var sessions = new List<UserSessionInfo>(members.Length);
        var stale = new List<string>();
        var ids = members.Select(member => (string)member!).ToArray();
        var values = await Task.WhenAll(ids.Select(id => database.StringGetAsync(keys.Session(id)))).WaitAsync(cancellationToken);
        for (var i = 0; i < ids.Length; i++)
        {
            if (ReadOwned(values[i], userId) is { } data)
            {
                sessions.Add(new UserSessionInfo(ids[i], data));
            }
            else
            {
                stale.Add(ids[i]);
            }
        }

        if (stale.Count > 0)
        {
            sessions.AddRange(await HealAsync(database, userKey, userId, stale, cancellationToken));
        }

        return sessions;
    }

    /// <summary>The user of a stored document, without parsing documents that have none.</summary>
    public string? UserOf(RedisValue document)
    {
        if (document.IsNull)
        {
            return null;
        }

        var bytes = (ReadOnlyMemory<byte>)document;
        return bytes.Span.IndexOf("\"userId\""u8) >= 0 && SessionData.TryParse(bytes.Span, out var data, time) ? data.UserId : null;
    }

    /// <summary>
    /// Removes the stale members from a user's set, then reads their sessions again: one that is
    /// this user's now (written while this read ran) is put back, with its remaining TTL, and listed.
    /// </summary>
    private async Task<List<UserSessionInfo>> HealAsync(IDatabaseAsync database, RedisKey userKey, string userId, List<string> stale, CancellationToken cancellationToken)
    {
        await database.SortedSetRemoveAsync(userKey, [.. stale.Select(id => (RedisValue)id)]).WaitAsync(cancellationToken);
        RedisStoreLog.IndexHealed(logger, stale.Count);
        var values = stale.Select(id => database.StringGetAsync(keys.Session(id))).ToArray();
        var ttls = stale.Select(id => database.KeyTimeToLiveAsync(keys.Session(id))).ToArray();
        await Task.WhenAll(values.Cast<Task>().Concat(ttls)).WaitAsync(cancellationToken);
        var back = new List<UserSessionInfo>();
        var readds = new List<Task>();
        for (var i = 0; i < stale.Count; i++)
        {
            if (ReadOwned(await values[i], userId) is { } data)
            {
                back.Add(new UserSessionInfo(stale[i], data));
                var ttl = await ttls[i] is { } left ? (long)Math.Ceiling(left.TotalSeconds) : defaultTtlSeconds;
                readds.Add(IndexAsync(database, userId, stale[i], Math.Max(ttl, 1)));
            }
        }

        await Task.WhenAll(readds).WaitAsync(cancellationToken);
        return back;
    }

    // The session in a value read, when it is readable and the user's.
    private SessionData? ReadOwned(RedisValue value, string userId) =>
        !value.IsNull && StoreDocument.Read(((ReadOnlyMemory<byte>)value).Span, time, logger) is { } data && data.UserId == userId ? data : null;
}
