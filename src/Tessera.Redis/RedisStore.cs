using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;
using Tessera.Diagnostics;

namespace Tessera;

/// <summary>
/// A session store in Redis, in connect-redis's format: a session is the string key
/// <c>sess:</c> + ID holding express-session's JSON document, with a TTL in whole seconds from
/// the cookie's expiry (one day when it has none). A Node.js app using express-session and
/// connect-redis with the same prefix reads and writes the same sessions.
/// </summary>
/// <remarks>
/// <para>
/// Redis expires the keys, on its own clock. <see cref="TouchAsync"/> is <c>EXPIRE</c>: it moves
/// the TTL and leaves the document, with its cookie, as it was. <see cref="GetAsync"/> therefore
/// reads the TTL with the document and reports the expiry the key has now as
/// <see cref="SessionData.StoreExpires"/>.
/// </para>
/// <para>
/// Writes can be conditional (<see cref="TrySetAsync"/>) without changing the format: a session's
/// version is the stored document itself, the exact bytes of the key's value. A conditional write
/// is one Lua script on the session's one key that compares the value with the expected one and
/// only then sets it (or deletes it, for an expired session).
/// </para>
/// <para>
/// The store keeps an index of sessions by user (<see cref="IUserSessionStore"/>): for each user,
/// a set at <c>Prefix + "user:" + userId</c> whose members are the IDs of the user's sessions. It
/// is updated in the round trip of every write and touch of a signed-in session (on a separate key,
/// so in another hash slot on Redis Cluster: not atomically with the write), and
/// <see cref="GetUserSessionsAsync"/> checks each member against its session, dropping members
/// whose session is gone or belongs to someone else: the index is eventually consistent, and its
/// reads heal it. Session IDs that start with <c>user:</c> are reserved for it.
/// </para>
/// <para>
/// Listing, counting and clearing
/// use cursor <c>SCAN</c> on every primary and single-key commands, so they work on Redis Cluster;
/// they read the whole key space under the prefix and are meant for administration, not for
/// requests. Every call is asynchronous and stops waiting when its token is cancelled (a command
/// already sent to Redis still runs there).
/// </para>
/// </remarks>
public sealed class RedisStore : IEnumerableSessionStore, IUserSessionStore, ITouchOnReadSessionStore, IAsyncDisposable, IDisposable
{
    // Compare-and-set on one key (KEYS[1]): the value must still be the expected document
    // (ARGV[1]); then it becomes the new one (ARGV[2]) for ARGV[3] seconds, or, when that TTL is
    // zero or less, the key is deleted. A missing (or expired) key never matches. 1 when written.
    private const string CompareAndSetScript = """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then
            return 0
        end
        local ttl = tonumber(ARGV[3])
        if ttl > 0 then
            redis.call('SET', KEYS[1], ARGV[2], 'EX', ttl)
        else
            redis.call('DEL', KEYS[1])
        end
        return 1
        """;

    // Adds a session (ARGV[1]) to its user's set (KEYS[1]) and makes the set live at least ARGV[2]
    // seconds: its TTL only ever grows, so it outlives every session written to it. One key, so it
    // runs on Redis Cluster. (TTL is -1 for the set SADD has just created.)
    private const string IndexScript = """
        redis.call('SADD', KEYS[1], ARGV[1])
        local ttl = tonumber(ARGV[2])
        if redis.call('TTL', KEYS[1]) < ttl then
            redis.call('EXPIRE', KEYS[1], ttl)
        end
        return 1
        """;

    // The infix of the user index's keys: Prefix + UserInfix + userId.
    private const string UserInfix = "user:";

    private readonly RedisConnection _connection;
    private readonly RedisStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _prefix;
    private readonly string _userPrefix;
    private readonly string _pattern;
    private readonly long _defaultTtlSeconds;

    // The server answered GETEX with "unknown command" (Redis before 6.2).
    private volatile bool _noGetEx;

    /// <summary>Creates a store on a connection the application owns; disposing the store leaves it open.</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="options">The options; defaults when null. <see cref="RedisStoreOptions.Configuration"/> is not used.</param>
    /// <param name="timeProvider">The clock the TTLs are computed with; the system clock when null.</param>
    /// <param name="logger">The logger; none when null.</param>
    public RedisStore(IConnectionMultiplexer connection, RedisStoreOptions? options = null, TimeProvider? timeProvider = null, ILogger<RedisStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _options = Validate(options ?? new RedisStoreOptions());
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _connection = RedisConnection.Given(connection, _logger);
        _time = timeProvider ?? TimeProvider.System;
        _prefix = _options.Prefix;
        _userPrefix = _prefix + UserInfix;
        _pattern = EscapeGlob(_prefix) + "*";
        _defaultTtlSeconds = (long)Math.Ceiling(_options.DefaultTtl.TotalSeconds);
    }

    /// <summary>
    /// Creates a store that opens its own connection from <see cref="RedisStoreOptions.Configuration"/>
    /// on first use and closes it when the store is disposed.
    /// </summary>
    /// <param name="options">The options, with a configuration string.</param>
    /// <param name="timeProvider">The clock the TTLs are computed with; the system clock when null.</param>
    /// <param name="logger">The logger; none when null.</param>
    /// <exception cref="ArgumentException">The options have no configuration string or one that does not parse.</exception>
    public RedisStore(RedisStoreOptions options, TimeProvider? timeProvider = null, ILogger<RedisStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = Validate(options);
        if (string.IsNullOrWhiteSpace(options.Configuration))
        {
            throw new ArgumentException("RedisStoreOptions.Configuration is required when the store opens its own connection.", nameof(options));
        }

        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _connection = RedisConnection.Owned(options.Configuration, _logger);
        _time = timeProvider ?? TimeProvider.System;
        _prefix = _options.Prefix;
        _userPrefix = _prefix + UserInfix;
        _pattern = EscapeGlob(_prefix) + "*";
        _defaultTtlSeconds = (long)Math.Ceiling(_options.DefaultTtl.TotalSeconds);
    }

    /// <summary>
    /// The Redis servers the store uses, as <c>host:port</c> (comma-separated when there are
    /// several). Messages name it; it never holds the configuration string's password.
    /// </summary>
    public string Endpoint => _connection.Endpoint;

    /// <summary>Whether Redis is connected (<see cref="IConnectionMultiplexer.IsConnected"/>).</summary>
    /// <remarks>Before the store's own connection has been tried for the first time, <see langword="true"/>: the first call connects.</remarks>
    public bool IsReady => _connection.IsConnected;

    /// <summary>
    /// Gets a session with <c>PTTL</c> and <c>GET</c> of its key, pipelined in one round trip
    /// (<see cref="IDatabaseAsync.StringGetWithExpiryAsync"/>). Its <see cref="SessionData.StoreVersion"/>
    /// is the value read, a boxed <see cref="RedisValue"/>; its <see cref="SessionData.StoreExpires"/>
    /// is when the key expires, the store's clock plus the TTL left (<see langword="null"/> for a
    /// key without TTL), so a session moved on by <see cref="TouchAsync"/> reports its new expiry
    /// while its document's cookie keeps the old one.
    /// </summary>
    /// <remarks>
    /// The two commands go to the one node that holds the key (on Redis Cluster, the primary of its
    /// hash slot; a redirection re-sends both), but they are not atomic: another client's write can
    /// run between them, and the TTL read is then the one the key had just before that write. The TTL
    /// is in milliseconds, or in whole seconds (<c>TTL</c>) where the server or the command map
    /// offers no <c>PTTL</c>.
    /// </remarks>
    /// <inheritdoc/>
    public async ValueTask<SessionData?> GetAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        try
        {
            ArgumentNullException.ThrowIfNull(sessionId);
            cancellationToken.ThrowIfCancellationRequested();
            if (IsReserved(sessionId))
            {
                return null;
            }

            var key = Key(sessionId);
            var database = await DatabaseAsync(cancellationToken);
            var read = await database.StringGetWithExpiryAsync(key).WaitAsync(cancellationToken);
            if (read.Value.IsNull || Read(read.Value) is not { } data)
            {
                return null;
            }

            data.StoreExpires = read.Expiry is { } left ? _time.GetUtcNow() + left : null;
            return data;
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            throw Unavailable(ex);
        }
    }

    /// <summary>
    /// Gets a session and moves its TTL to <paramref name="expires"/> with one <c>GETEX key EX ttl</c>
    /// (Redis 6.2 and later), the TTL in whole seconds rounded up as <see cref="TouchAsync"/> sets
    /// it; a missing key stays missing. Its <see cref="SessionData.StoreVersion"/> is the value read
    /// and its <see cref="SessionData.StoreExpires"/> is <paramref name="expires"/>. With
    /// <see cref="RedisStoreOptions.DisableTouch"/>, or an expiry already past, it is
    /// <see cref="GetAsync"/>. Where the server has no <c>GETEX</c>, a <c>GET</c> and an
    /// <c>EXPIRE</c> pipelined in one round trip do the same, not atomically.
    /// </summary>
    /// <remarks>
    /// The user index's set is not extended here: the runtime still touches a signed-in session at
    /// the end of the request (<see cref="ITouchOnReadSessionStore"/>), and that touch extends it.
    /// </remarks>
    /// <inheritdoc/>
    public async ValueTask<SessionData?> GetAndTouchAsync(string sessionId, DateTimeOffset expires, CancellationToken cancellationToken = default)
    {
        var ttl = TtlSeconds(expires);
        if (_options.DisableTouch || ttl <= 0)
        {
            return await GetAsync(sessionId, cancellationToken);
        }

        try
        {
            ArgumentNullException.ThrowIfNull(sessionId);
            cancellationToken.ThrowIfCancellationRequested();
            if (IsReserved(sessionId))
            {
                return null;
            }

            var key = Key(sessionId);
            var database = await DatabaseAsync(cancellationToken);
            var value = await GetAndExpireAsync(database, key, TimeSpan.FromSeconds(ttl)).WaitAsync(cancellationToken);
            if (value.IsNull || Read(value) is not { } data)
            {
                return null;
            }

            data.StoreExpires = expires;
            return data;
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            throw Unavailable(ex);
        }
    }

    /// <summary>
    /// Writes the session with <c>SET key document EX ttl GET</c>, the TTL being the seconds until
    /// the cookie expires rounded up (one day for a cookie without expiry); the document it replaces
    /// tells whose session it was. A session that has already expired (a TTL of zero or less) is
    /// deleted instead (<c>GETDEL</c>). The session is added to its user's set in the same round
    /// trip, and removed from the set of the user it had before when that changed.
    /// <paramref name="data"/>'s <see cref="SessionData.StoreVersion"/> becomes the document written.
    /// </summary>
    /// <exception cref="ArgumentException">The ID starts with <c>user:</c>, which names the user index's keys.</exception>
    /// <inheritdoc/>
    public async ValueTask SetAsync(string sessionId, SessionData data, CancellationToken cancellationToken = default)
    {
        try
        {
            ArgumentNullException.ThrowIfNull(sessionId);
            ArgumentNullException.ThrowIfNull(data);
            ThrowIfReserved(sessionId);
            cancellationToken.ThrowIfCancellationRequested();
            var key = Key(sessionId);
            var ttl = TtlSeconds(data);
            var userId = data.UserId;
            RedisValue document = data.ToUtf8Json();
            var database = await DatabaseAsync(cancellationToken);
            RedisValue previous;
            if (ttl > 0)
            {
                // One round trip: the user's set, the write, the user's set again (see IndexAround).
                previous = await (userId is null
                        ? SetAndGetAsync(database, key, document, ttl)
                        : IndexedSetAndGetAsync(database, userId, sessionId, ttl, key, document))
                    .WaitAsync(cancellationToken);
            }
            else
            {
                RedisStoreLog.ExpiredOnWrite(_logger);
                previous = await database.StringGetDeleteAsync(key).WaitAsync(cancellationToken);
                userId = null;
            }

            await UnindexAsync(database, UserOf(previous), userId, sessionId, cancellationToken);
            data.StoreVersion = document;
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            throw Unavailable(ex);
        }
    }

    /// <summary>Always <see langword="true"/>: <see cref="TrySetAsync"/> is a compare-and-set in one Lua script.</summary>
    public bool SupportsConditionalWrites => true;

    /// <summary>
    /// Writes the session only if the key still holds exactly the document that
    /// <paramref name="expectedVersion"/> is (the value <see cref="GetAsync"/> read or
    /// <see cref="SetAsync"/> wrote), with one Lua script on the one key: <c>GET</c>, compare, then
    /// <c>SET key document EX ttl</c>, or <c>DEL</c> when the TTL is zero or less (a conditional
    /// delete). A missing or expired key never matches, so a destroyed session is not brought back.
    /// The session is added to its user's set in the same round trip (an entry a failed write added
    /// is dropped by the next read of that user's sessions), and after a successful write it leaves
    /// the set of the user the expected document had, when that changed.
    /// On success <paramref name="data"/>'s <see cref="SessionData.StoreVersion"/> becomes the document written.
    /// </summary>
    /// <remarks>
    /// The key's value is the version, so a write that leaves the document byte for byte as it was
    /// is not seen as a change: the session is then exactly what the caller read. An
    /// <paramref name="expectedVersion"/> that is not a <see cref="RedisValue"/> never matches.
    /// </remarks>
    /// <inheritdoc/>
    public async ValueTask<bool> TrySetAsync(string sessionId, SessionData data, object expectedVersion, CancellationToken cancellationToken = default)
    {
        try
        {
            ArgumentNullException.ThrowIfNull(sessionId);
            ArgumentNullException.ThrowIfNull(data);
            ArgumentNullException.ThrowIfNull(expectedVersion);
            cancellationToken.ThrowIfCancellationRequested();
            if (expectedVersion is not RedisValue { IsNull: false } expected)
            {
                return false;
            }

            ThrowIfReserved(sessionId);
            var key = Key(sessionId);
            var ttl = TtlSeconds(data);
            var userId = ttl > 0 ? data.UserId : null;
            RedisValue document = data.ToUtf8Json();
            var database = await DatabaseAsync(cancellationToken);

            // On success the document replaced is the expected one: it tells whose session it was.
            var result = await (userId is null
                    ? CompareAndSetAsync(database, key, expected, document, ttl)
                    : IndexedCompareAndSetAsync(database, userId, sessionId, ttl, key, expected, document))
                .WaitAsync(cancellationToken);
            if ((long)result != 1)
            {
                return false; // a set entry added for nothing is dropped by the next read of the user's sessions
            }

            if (ttl <= 0)
            {
                RedisStoreLog.ExpiredOnWrite(_logger);
            }

            await UnindexAsync(database, UserOf(expected), userId, sessionId, cancellationToken);
            data.StoreVersion = document;
            return true;
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            throw Unavailable(ex);
        }
    }

    /// <summary>
    /// Deletes the session with <c>GETDEL</c>, whose reply tells whose session it was, then removes
    /// it from that user's set (a second round trip, for signed-in sessions only).
    /// </summary>
    /// <inheritdoc/>
    public async ValueTask DestroyAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        try
        {
            ArgumentNullException.ThrowIfNull(sessionId);
            cancellationToken.ThrowIfCancellationRequested();
            if (IsReserved(sessionId))
            {
                return;
            }

            var database = await DatabaseAsync(cancellationToken);
            var previous = await database.StringGetDeleteAsync(Key(sessionId)).WaitAsync(cancellationToken);
            await UnindexAsync(database, UserOf(previous), null, sessionId, cancellationToken);
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            throw Unavailable(ex);
        }
    }

    /// <summary>
    /// Sets the key's TTL from <paramref name="data"/>'s cookie with <c>EXPIRE</c>; the stored
    /// document is not rewritten. An expired cookie deletes the key (as <c>EXPIRE</c> with a TTL of
    /// zero or less does). Does nothing when <see cref="RedisStoreOptions.DisableTouch"/> is set.
    /// For a signed-in session the user's set is extended (and the session added to it again) in
    /// the same round trip, so the set outlives the session.
    /// </summary>
    /// <inheritdoc/>
    public async ValueTask TouchAsync(string sessionId, SessionData data, CancellationToken cancellationToken = default)
    {
        try
        {
            ArgumentNullException.ThrowIfNull(sessionId);
            ArgumentNullException.ThrowIfNull(data);
            cancellationToken.ThrowIfCancellationRequested();
            if (_options.DisableTouch || IsReserved(sessionId))
            {
                return;
            }

            var key = Key(sessionId);
            var ttl = TtlSeconds(data);
            var database = await DatabaseAsync(cancellationToken);
            if (ttl > 0)
            {
                var expire = database.KeyExpireAsync(key, TimeSpan.FromSeconds(ttl));
                if (data.UserId is { } userId)
                {
                    await Task.WhenAll(expire, IndexAsync(database, userId, sessionId, ttl)).WaitAsync(cancellationToken);
                }
                else
                {
                    await expire.WaitAsync(cancellationToken);
                }
            }
            else
            {
                await database.KeyDeleteAsync(key).WaitAsync(cancellationToken);
                await UnindexAsync(database, data.UserId, null, sessionId, cancellationToken);
            }
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            throw Unavailable(ex);
        }
    }

    /// <summary>
    /// Lists a user's sessions: <c>SMEMBERS</c> of the user's set, then a <c>GET</c> of each member's
    /// session, pipelined. A member whose session is gone, unreadable or now another user's is
    /// removed from the set (<c>SREM</c>) and read once more, and put back if it has become this
    /// user's session meanwhile, so the read heals the index without racing a write.
    /// </summary>
    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<UserSessionInfo>> GetUserSessionsAsync(string userId, CancellationToken cancellationToken = default)
    {
        try
        {
            ArgumentNullException.ThrowIfNull(userId);
            cancellationToken.ThrowIfCancellationRequested();
            var database = await DatabaseAsync(cancellationToken);
            var userKey = UserKey(userId);
            var members = await database.SetMembersAsync(userKey).WaitAsync(cancellationToken);
            var sessions = new List<UserSessionInfo>(members.Length);
            var stale = new List<RedisValue>();
            var ids = new List<string>(members.Length);
            foreach (var member in members)
            {
                if (IsReserved((string)member!))
                {
                    stale.Add(member);
                }
                else
                {
                    ids.Add((string)member!);
                }
            }

            var values = await Task.WhenAll(ids.Select(id => database.StringGetAsync(Key(id)))).WaitAsync(cancellationToken);
            for (var i = 0; i < ids.Count; i++)
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
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            throw Unavailable(ex);
        }
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyDictionary<string, SessionData>> AllAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            var connection = await _connection.GetAsync(cancellationToken);
            var database = connection.GetDatabase(_options.Database);
            var seen = new HashSet<RedisKey>();
            var result = new Dictionary<string, SessionData>(StringComparer.Ordinal);
            await foreach (var page in ScanAsync(connection, database.Database, cancellationToken))
            {
                var fresh = page.Where(key => !IsIndexKey(key) && seen.Add(key)).ToArray();
                var reads = new Task<RedisValue>[fresh.Length];
                for (var i = 0; i < fresh.Length; i++)
                {
                    reads[i] = database.StringGetAsync(fresh[i]);
                }

                var values = await Task.WhenAll(reads).WaitAsync(cancellationToken);
                for (var i = 0; i < fresh.Length; i++)
                {
                    if (!values[i].IsNull && Read(values[i]) is { } data)
                    {
                        result[((string)fresh[i]!)[_prefix.Length..]] = data;
                    }
                }
            }

            return result;
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            throw Unavailable(ex);
        }
    }

    /// <summary>Counts the keys under the prefix, except the user index's sets.</summary>
    /// <inheritdoc/>
    public async ValueTask<long> CountAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            var connection = await _connection.GetAsync(cancellationToken);
            var database = connection.GetDatabase(_options.Database);
            var seen = new HashSet<RedisKey>();
            await foreach (var page in ScanAsync(connection, database.Database, cancellationToken))
            {
                seen.UnionWith(page.Where(key => !IsIndexKey(key)));
            }

            return seen.Count;
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            throw Unavailable(ex);
        }
    }

    /// <summary>
    /// Deletes every key under the prefix, the user index's sets included, with one single-key
    /// delete per key, pipelined a <c>SCAN</c> step at a time.
    /// </summary>
    /// <inheritdoc/>
    public async ValueTask ClearAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            var connection = await _connection.GetAsync(cancellationToken);
            var database = connection.GetDatabase(_options.Database);
            await foreach (var page in ScanAsync(connection, database.Database, cancellationToken))
            {
                // Single-key commands: the keys of one step may lie in different hash slots.
                var deletes = new Task<bool>[page.Length];
                for (var i = 0; i < page.Length; i++)
                {
                    deletes[i] = database.KeyDeleteAsync(page[i]);
                }

                await Task.WhenAll(deletes).WaitAsync(cancellationToken);
            }
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            throw Unavailable(ex);
        }
    }

    /// <summary>Names the store and its servers, for messages: <c>RedisStore (Redis at host:port)</c>.</summary>
    /// <returns>The description.</returns>
    public override string ToString() => $"RedisStore (Redis at {Endpoint})";

    /// <summary>Closes the connection if the store opened it.</summary>
    /// <returns>A task that completes when the connection is closed.</returns>
    public ValueTask DisposeAsync() => _connection.DisposeAsync();

    /// <summary>Closes the connection if the store opened it.</summary>
    public void Dispose() => _connection.Dispose();

    /// <summary>
    /// Connects (or waits for the connection being made), no longer than <paramref name="timeout"/>:
    /// whether Redis is connected then. A connection still being made keeps trying afterwards.
    /// </summary>
    /// <returns>Whether Redis is connected, and the failure, when the attempt failed with one.</returns>
    internal async Task<(bool Connected, Exception? Failure)> TryConnectAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            var connection = await _connection.GetAsync(deadline.Token);
            return (connection.IsConnected, null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (false, null); // still connecting when the time was up
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            return (false, Unavailable(ex));
        }
    }

    // connect-redis: Math.ceil((Number(new Date(expires)) - Date.now()) / 1000), else the default.
    internal long TtlSeconds(SessionData data) => data.Expires is { } expires ? TtlSeconds(expires) : _defaultTtlSeconds;

    private long TtlSeconds(DateTimeOffset expires)
    {
        var milliseconds = expires.ToUnixTimeMilliseconds() - _time.GetUtcNow().ToUnixTimeMilliseconds();
        return (long)Math.Ceiling(milliseconds / 1000.0);
    }

    /// <summary>
    /// <c>GETEX key EX ttl</c>; on a server without <c>GETEX</c> (before Redis 6.2), from then on a
    /// <c>GET</c> and an <c>EXPIRE</c> sent together (one round trip; <c>EXPIRE</c> on a missing key does nothing).
    /// </summary>
    private async Task<RedisValue> GetAndExpireAsync(IDatabaseAsync database, RedisKey key, TimeSpan ttl)
    {
        if (!_noGetEx)
        {
            try
            {
                return await database.StringGetSetExpiryAsync(key, ttl);
            }
            catch (RedisServerException ex) when (ex.Message.Contains("unknown command", StringComparison.OrdinalIgnoreCase))
            {
                _noGetEx = true;
            }
        }

        var value = database.StringGetAsync(key);
        var expire = database.KeyExpireAsync(key, ttl);
        await Task.WhenAll(value, expire);
        return await value;
    }

    // What the client throws when Redis fails, as opposed to a caller's cancellation or a bad argument.
    private static bool IsRedisFailure(Exception ex) => ex is RedisException or TimeoutException;

    /// <summary>
    /// The client's exception, re-thrown with a message that names Redis and its endpoint: the
    /// client's own message may carry the command's key, which holds the session ID.
    /// </summary>
    private RedisException Unavailable(Exception ex)
    {
        var what = ex switch
        {
            RedisConnectionException connection => $"is not reachable ({connection.FailureType})",
            TimeoutException => "did not answer within the client's timeout",
            RedisServerException server => $"answered with an error ({server.Message.Split(' ', 2)[0]})",
            _ => $"failed ({ex.GetType().Name})",
        };
        var message = $"RedisStore: Redis at {Endpoint} {what}.";
        return ex is RedisConnectionException failed
            ? new RedisConnectionException(failed.FailureType, CommandFlags.None, message, ex, failed.CommandStatus)
            : new RedisException(message, ex);
    }

    internal static string EscapeGlob(string text)
    {
        var builder = new StringBuilder(text.Length + 4);
        foreach (var c in text)
        {
            if (c is '*' or '?' or '[' or ']' or '\\')
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }

        return builder.ToString();
    }

    private RedisKey Key(string sessionId) => _prefix + sessionId;

    private RedisKey UserKey(string userId) => _userPrefix + userId;

    private bool IsIndexKey(RedisKey key) => ((string?)key)?.StartsWith(_userPrefix, StringComparison.Ordinal) == true;

    // An ID that would name a key of the user index.
    private static bool IsReserved(string sessionId) => sessionId.StartsWith(UserInfix, StringComparison.Ordinal);

    private static void ThrowIfReserved(string sessionId)
    {
        if (IsReserved(sessionId))
        {
            throw new ArgumentException($"Session IDs that start with '{UserInfix}' are reserved: Prefix + '{UserInfix}' + userId names the sets of the index of sessions by user.", nameof(sessionId));
        }
    }

    private Task<RedisResult> IndexAsync(IDatabaseAsync database, string userId, string sessionId, long ttl) =>
        database.ScriptEvaluateAsync(IndexScript, [UserKey(userId)], [sessionId, ttl]);

    // A signed-out session's write is the command alone: no closure, no wrapper task.
    private static Task<RedisValue> SetAndGetAsync(IDatabaseAsync database, RedisKey key, RedisValue document, long ttl) =>
        database.StringSetAndGetAsync(key, document, TimeSpan.FromSeconds(ttl), When.Always, CommandFlags.None);

    private Task<RedisValue> IndexedSetAndGetAsync(IDatabaseAsync database, string userId, string sessionId, long ttl, RedisKey key, RedisValue document) =>
        IndexAround(database, userId, sessionId, ttl, () => SetAndGetAsync(database, key, document, ttl));

    private static Task<RedisResult> CompareAndSetAsync(IDatabaseAsync database, RedisKey key, RedisValue expected, RedisValue document, long ttl) =>
        database.ScriptEvaluateAsync(CompareAndSetScript, [key], [expected, ttl > 0 ? document : RedisValue.EmptyString, ttl]);

    private Task<RedisResult> IndexedCompareAndSetAsync(IDatabaseAsync database, string userId, string sessionId, long ttl, RedisKey key, RedisValue expected, RedisValue document) =>
        IndexAround(database, userId, sessionId, ttl, () => CompareAndSetAsync(database, key, expected, document, ttl));

    /// <summary>
    /// Sends a session write with the session's entry in its user's set on both sides, in one
    /// round trip. The entry before the write means a session is never stored without its entry
    /// (an entry without its session is harmless: reads drop it); the entry after it means a read
    /// that dropped the entry while the write was on its way cannot have the last word (on one
    /// server, commands of one connection run in the order sent).
    /// </summary>
    private async Task<T> IndexAround<T>(IDatabaseAsync database, string? userId, string sessionId, long ttl, Func<Task<T>> write)
    {
        if (userId is null || ttl <= 0)
        {
            return await write();
        }

        var before = IndexAsync(database, userId, sessionId, ttl);
        var written = write();
        var after = IndexAsync(database, userId, sessionId, ttl);
        await Task.WhenAll(before, written, after);
        return await written;
    }

    // Removes a session from the set of the user it belonged to, when that is not its user now.
    private async Task UnindexAsync(IDatabaseAsync database, string? previousUserId, string? userId, string sessionId, CancellationToken cancellationToken)
    {
        if (previousUserId is not null && previousUserId != userId)
        {
            await database.SetRemoveAsync(UserKey(previousUserId), sessionId).WaitAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Removes the stale members from a user's set, then reads their sessions again: one that is
    /// this user's now (written while this read ran) is put back, with its remaining TTL, and listed.
    /// </summary>
    private async Task<List<UserSessionInfo>> HealAsync(IDatabaseAsync database, RedisKey userKey, string userId, List<RedisValue> stale, CancellationToken cancellationToken)
    {
        await database.SetRemoveAsync(userKey, [.. stale]).WaitAsync(cancellationToken);
        RedisStoreLog.IndexHealed(_logger, stale.Count);
        var ids = stale.Select(member => (string)member!).Where(id => !IsReserved(id)).ToArray();
        var values = ids.Select(id => database.StringGetAsync(Key(id))).ToArray();
        var ttls = ids.Select(id => database.KeyTimeToLiveAsync(Key(id))).ToArray();
        await Task.WhenAll(values.Cast<Task>().Concat(ttls)).WaitAsync(cancellationToken);
        var back = new List<UserSessionInfo>();
        var readds = new List<Task>();
        for (var i = 0; i < ids.Length; i++)
        {
            if (ReadOwned(await values[i], userId) is { } data)
            {
                back.Add(new UserSessionInfo(ids[i], data));
                var ttl = await ttls[i] is { } left ? (long)Math.Ceiling(left.TotalSeconds) : _defaultTtlSeconds;
                readds.Add(IndexAsync(database, userId, ids[i], Math.Max(ttl, 1)));
            }
        }

        await Task.WhenAll(readds).WaitAsync(cancellationToken);
        return back;
    }

    // The session in a value read, when it is readable and the user's.
    private SessionData? ReadOwned(RedisValue value, string userId) =>
        !value.IsNull && Read(value) is { } data && data.UserId == userId ? data : null;

    // The user of a stored document, without parsing documents that have none.
    private string? UserOf(RedisValue document)
    {
        if (document.IsNull)
        {
            return null;
        }

        var bytes = (ReadOnlyMemory<byte>)document;
        return bytes.Span.IndexOf("\"userId\""u8) >= 0 && SessionData.TryParse(bytes.Span, out var data, _time) ? data.UserId : null;
    }

    private async ValueTask<IDatabaseAsync> DatabaseAsync(CancellationToken cancellationToken)
    {
        var connection = await _connection.GetAsync(cancellationToken);
        return connection.GetDatabase(_options.Database);
    }

    // The value read is the session's version: a conditional write compares it with the key's value.
    private SessionData? Read(RedisValue value)
    {
        try
        {
            var data = SessionData.Parse(((ReadOnlyMemory<byte>)value).Span, _time);
            data.StoreVersion = value;
            return data;
        }
        catch (FormatException ex)
        {
            RedisStoreLog.UnreadableSession(_logger, SessionIdRedaction.Copy(ex));
            return null;
        }
    }

    // Cursor SCAN on every primary: in a cluster each holds its own slots; replicas are skipped.
    private async IAsyncEnumerable<RedisKey[]> ScanAsync(IConnectionMultiplexer connection, int database, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var primaries = connection.GetServers()
            .Where(server => !server.IsReplica && server.ServerType != ServerType.Sentinel)
            .ToArray();
        if (primaries.Length == 0)
        {
            throw new InvalidOperationException("The Redis connection knows no primary server to scan.");
        }

        var count = _options.ScanCount;
        foreach (var server in primaries)
        {
            RedisValue cursor = 0;
            do
            {
                cancellationToken.ThrowIfCancellationRequested();
                var reply = await server.ExecuteAsync(database, "SCAN", [cursor, "MATCH", _pattern, "COUNT", count], CommandFlags.None)
                    .WaitAsync(cancellationToken);
                var parts = (RedisResult[])reply!;
                cursor = (RedisValue)parts[0];
                var keys = (RedisKey[])parts[1]!;
                if (keys.Length > 0)
                {
                    yield return keys;
                }
            }
            while (cursor != 0);
        }
    }

    // Checks the options and takes a copy, so that later changes to them have no effect.
    internal static RedisStoreOptions Validate(RedisStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options.Prefix, "RedisStoreOptions.Prefix");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.DefaultTtl, TimeSpan.FromSeconds(1), "RedisStoreOptions.DefaultTtl");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Database, -1, "RedisStoreOptions.Database");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ScanCount, 1, "RedisStoreOptions.ScanCount");
        return new RedisStoreOptions
        {
            Configuration = options.Configuration,
            Prefix = options.Prefix,
            DefaultTtl = options.DefaultTtl,
            DisableTouch = options.DisableTouch,
            Database = options.Database,
            ScanCount = options.ScanCount,
        };
    }
}
