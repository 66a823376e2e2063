using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Tessera;

/// <summary>
/// A session store in Redis, in connect-redis's format: a session is the string key
/// <c>sess:</c> + store key (the session ID, or its hash with <see cref="TesseraOptions.HashIdsInStore"/>) holding express-session's JSON document, with a TTL in whole seconds from
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
/// Writes can be conditional (<see cref="IConditionalSessionStore"/>) without changing the format:
/// a session's version is the stored document itself, the exact bytes of the key's value. A
/// conditional write is one Lua script on the session's one key that compares the value with the
/// expected one and only then sets it (or deletes it, for an expired session).
/// </para>
/// <para>
/// The store keeps an index of sessions by user (<see cref="IUserSessionStore"/>): for each user,
/// a sorted set at <c>sess-user:</c> + userId (the index prefix is derived from
/// <see cref="RedisStoreOptions.KeyPrefix"/> but lies outside it, so connect-redis's
/// <c>length()</c> and <c>ids()</c> never see it) whose members are the store keys of the user's
/// sessions, scored with their expiry. It is updated in the round trip of every write and touch of
/// a signed-in session (on a separate key, so in another hash slot on Redis Cluster: not atomically
/// with the write); each update drops the members whose session has expired and keeps the set's
/// TTL at its longest-lived member's, and <see cref="GetUserSessionsAsync"/> checks each member
/// against its session, dropping members whose session is gone or belongs to someone else: the
/// index is eventually consistent, bounded, and its reads heal it.
/// </para>
/// <para>
/// Listing, counting and clearing
/// use cursor <c>SCAN</c> on every primary and single-key commands, so they work on Redis Cluster;
/// they read the whole key space under the prefix and are meant for administration, not for
/// requests. Every call is asynchronous and stops waiting when its token is cancelled (a command
/// already sent to Redis still runs there). The calls a request makes return pooled
/// <see cref="ValueTask"/>s: await each once, as the <see cref="ValueTask"/> contract asks.
/// </para>
/// </remarks>
public sealed class RedisStore : IConditionalSessionStore, IEnumerableSessionStore, IUserSessionStore, ITouchOnReadSessionStore, IAsyncDisposable, IDisposable
{
    private readonly RedisConnection _connection;
    private readonly RedisStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly RedisKeyspace _keys;
    private readonly RedisUserIndex _index;
    private readonly long _defaultTtlSeconds;

    // The server answered GETEX with "unknown command" (Redis before 6.2).
    private volatile bool _noGetEx;

    /// <summary>Creates a store on a connection the application owns; disposing the store leaves it open.</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="options">The options; defaults when null. <see cref="RedisStoreOptions.Configuration"/> is not used.</param>
    /// <param name="timeProvider">The clock the TTLs are computed with; the system clock when null.</param>
    /// <param name="logger">The logger; none when null.</param>
    /// <exception cref="ArgumentException">An option is invalid (<see cref="RedisStoreOptions"/> says which values are).</exception>
    public RedisStore(IConnectionMultiplexer connection, RedisStoreOptions? options = null, TimeProvider? timeProvider = null, ILogger<RedisStore>? logger = null)
        : this(options ?? new RedisStoreOptions(), timeProvider, logger, connection ?? throw new ArgumentNullException(nameof(connection)))
    {
    }

    /// <summary>
    /// Creates a store that opens its own connection from <see cref="RedisStoreOptions.Configuration"/>
    /// on first use and closes it when the store is disposed.
    /// </summary>
    /// <param name="options">The options, with a configuration string.</param>
    /// <param name="timeProvider">The clock the TTLs are computed with; the system clock when null.</param>
    /// <param name="logger">The logger; none when null.</param>
    /// <exception cref="ArgumentException">The options have no configuration string, or an option is invalid.</exception>
    public RedisStore(RedisStoreOptions options, TimeProvider? timeProvider = null, ILogger<RedisStore>? logger = null)
        : this(options ?? throw new ArgumentNullException(nameof(options)), timeProvider, logger, connection: null)
    {
    }

    private RedisStore(RedisStoreOptions options, TimeProvider? timeProvider, ILogger<RedisStore>? logger, IConnectionMultiplexer? connection)
    {
        _options = Validate(options);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        if (connection is not null)
        {
            _connection = RedisConnection.Given(connection, _logger);
        }
        else if (string.IsNullOrWhiteSpace(options.Configuration))
        {
            throw new ArgumentException("RedisStoreOptions.Configuration is required when the store opens its own connection.", nameof(options));
        }
        else
        {
            _connection = RedisConnection.Owned(options.Configuration, _logger);
        }

        _time = timeProvider ?? TimeProvider.System;
        _keys = new RedisKeyspace(_options.KeyPrefix);
        _defaultTtlSeconds = (long)Math.Ceiling(_options.DefaultLifetime.TotalSeconds);
        _index = new RedisUserIndex(_keys, _defaultTtlSeconds, _time, _logger);
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
    /// <see langword="true"/>: every call stops waiting for Redis once its token is cancelled
    /// (StackExchange.Redis cannot take a command back; its reply, when it comes, is dropped).
    /// </summary>
    public bool HonorsCancellation => true;

    /// <summary>The prefix of the user index's keys, derived from <see cref="RedisStoreOptions.KeyPrefix"/> (<c>sess-user:</c> for <c>sess:</c>).</summary>
    internal string IndexPrefix => _keys.IndexPrefix;

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
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<SessionData?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        try
        {
            ArgumentNullException.ThrowIfNull(key);
            cancellationToken.ThrowIfCancellationRequested();
            var database = await DatabaseAsync(cancellationToken);
            var read = await database.StringGetWithExpiryAsync(_keys.Session(key)).WaitAsync(cancellationToken);
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
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<SessionData?> GetAndTouchAsync(string key, DateTimeOffset expires, CancellationToken cancellationToken = default)
    {
        var ttl = TtlSeconds(expires);
        if (_options.DisableTouch || ttl <= 0)
        {
            return await GetAsync(key, cancellationToken);
        }

        try
        {
            ArgumentNullException.ThrowIfNull(key);
            cancellationToken.ThrowIfCancellationRequested();
            var database = await DatabaseAsync(cancellationToken);
            var redisKey = _keys.Session(key);
            var expiry = TimeSpan.FromSeconds(ttl);
            RedisValue value;
            if (_noGetEx)
            {
                value = await GetThenExpireAsync(database, redisKey, expiry).WaitAsync(cancellationToken);
            }
            else
            {
                try
                {
                    value = await database.StringGetSetExpiryAsync(redisKey, expiry).WaitAsync(cancellationToken);
                }
                catch (RedisServerException ex) when (ex.Message.Contains("unknown command", StringComparison.OrdinalIgnoreCase))
                {
                    _noGetEx = true; // Redis before 6.2: from now on a GET and an EXPIRE
                    value = await GetThenExpireAsync(database, redisKey, expiry).WaitAsync(cancellationToken);
                }
            }

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
    /// the cookie expires rounded up (<see cref="RedisStoreOptions.DefaultLifetime"/> for a cookie
    /// without expiry); the document it replaces tells whose session it was. A session that has
    /// already expired (a TTL of zero or less) is deleted instead (<c>GETDEL</c>). The session is
    /// added to its user's set in the same round trip, and removed from the set of the user it had
    /// before when that changed. The version returned is the document written.
    /// </summary>
    /// <inheritdoc/>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<object?> SetAsync(string key, SessionData data, CancellationToken cancellationToken = default)
    {
        try
        {
            ArgumentNullException.ThrowIfNull(key);
            ArgumentNullException.ThrowIfNull(data);
            cancellationToken.ThrowIfCancellationRequested();
            var redisKey = _keys.Session(key);
            var ttl = TtlSeconds(data);
            var userId = data.UserId;
            RedisValue document = data.ToUtf8Json();
            var database = await DatabaseAsync(cancellationToken);
            RedisValue previous;
            if (ttl > 0)
            {
                // One round trip: the user's set, the write, the user's set again; a signed-out
                // session's write is the command alone, without the index's closure and wrapper task.
                previous = await (userId is null
                        ? database.StringSetAndGetAsync(redisKey, document, TimeSpan.FromSeconds(ttl), When.Always, CommandFlags.None)
                        : _index.AroundAsync(database, userId, key, ttl, () => database.StringSetAndGetAsync(redisKey, document, TimeSpan.FromSeconds(ttl), When.Always, CommandFlags.None)))
                    .WaitAsync(cancellationToken);
            }
            else
            {
                RedisStoreLog.ExpiredOnWrite(_logger);
                previous = await database.StringGetDeleteAsync(redisKey).WaitAsync(cancellationToken);
                userId = null;
            }

            await _index.UnindexAsync(database, _index.UserOf(previous), userId, key, cancellationToken);
            return document;
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            throw Unavailable(ex);
        }
    }

    /// <summary>
    /// Writes the session only if the key still holds exactly the document that
    /// <paramref name="expectedVersion"/> is (the value <see cref="GetAsync"/> read or a write
    /// returned), with one Lua script on the one key: <c>GET</c>, compare, then
    /// <c>SET key document EX ttl</c>, or, with another script, <c>DEL</c> when the TTL is zero or
    /// less (a conditional delete). A missing or expired key never matches, so a destroyed session is not brought back.
    /// The session is added to its user's set in the same round trip (an entry a failed write added
    /// is dropped by the next read of that user's sessions), and after a successful write it leaves
    /// the set of the user the expected document had, when that changed.
    /// </summary>
    /// <remarks>
    /// The key's value is the version, so a write that leaves the document byte for byte as it was
    /// is not seen as a change: the session is then exactly what the caller read. An
    /// <paramref name="expectedVersion"/> that is not a <see cref="RedisValue"/> never matches.
    /// </remarks>
    /// <inheritdoc/>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<object?> TrySetAsync(string key, SessionData data, object expectedVersion, CancellationToken cancellationToken = default)
    {
        try
        {
            ArgumentNullException.ThrowIfNull(key);
            ArgumentNullException.ThrowIfNull(data);
            ArgumentNullException.ThrowIfNull(expectedVersion);
            cancellationToken.ThrowIfCancellationRequested();
            if (expectedVersion is not RedisValue { IsNull: false } expected)
            {
                return null;
            }

            var ttl = TtlSeconds(data);
            var userId = ttl > 0 ? data.UserId : null;
            RedisValue document = data.ToUtf8Json();
            var database = await DatabaseAsync(cancellationToken);

            // On success the document replaced is the expected one: it tells whose session it was.
            var result = await (userId is null
                    ? CompareAndSetAsync(database, _keys.Session(key), expected, document, ttl)
                    : _index.AroundAsync(database, userId, key, ttl, () => CompareAndSetAsync(database, _keys.Session(key), expected, document, ttl)))
                .WaitAsync(cancellationToken);
            if ((long)result != 1)
            {
                return null; // a set entry added for nothing is dropped by the next read of the user's sessions
            }

            if (ttl <= 0)
            {
                RedisStoreLog.ExpiredOnWrite(_logger);
            }

            await _index.UnindexAsync(database, _index.UserOf(expected), userId, key, cancellationToken);
            return document;
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
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask DestroyAsync(string key, CancellationToken cancellationToken = default)
    {
        try
        {
            ArgumentNullException.ThrowIfNull(key);
            cancellationToken.ThrowIfCancellationRequested();
            var database = await DatabaseAsync(cancellationToken);
            var previous = await database.StringGetDeleteAsync(_keys.Session(key)).WaitAsync(cancellationToken);
            await _index.UnindexAsync(database, _index.UserOf(previous), null, key, cancellationToken);
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
    /// For a signed-in session the session's entry in the user's set takes the new expiry in the
    /// same round trip.
    /// </summary>
    /// <inheritdoc/>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask TouchAsync(string key, SessionData data, CancellationToken cancellationToken = default)
    {
        try
        {
            ArgumentNullException.ThrowIfNull(key);
            ArgumentNullException.ThrowIfNull(data);
            cancellationToken.ThrowIfCancellationRequested();
            if (_options.DisableTouch)
            {
                return;
            }

            var redisKey = _keys.Session(key);
            var ttl = TtlSeconds(data);
            var database = await DatabaseAsync(cancellationToken);
            if (ttl > 0)
            {
                var expire = database.KeyExpireAsync(redisKey, TimeSpan.FromSeconds(ttl));
                if (data.UserId is { } userId)
                {
                    await Task.WhenAll(expire, _index.IndexAsync(database, userId, key, ttl)).WaitAsync(cancellationToken);
                }
                else
                {
                    await expire.WaitAsync(cancellationToken);
                }
            }
            else
            {
                await database.KeyDeleteAsync(redisKey).WaitAsync(cancellationToken);
                await _index.UnindexAsync(database, data.UserId, null, key, cancellationToken);
            }
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            throw Unavailable(ex);
        }
    }

    /// <summary>
    /// Lists a user's sessions: the members of the user's sorted set, then a <c>GET</c> of each
    /// member's session, pipelined. A member whose session is gone, unreadable or now another
    /// user's is removed from the set and read once more, and put back if it has become this
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
            return await _index.ListAsync(database, userId, cancellationToken);
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
            await foreach (var page in ScanAsync(connection, database.Database, _keys.SessionPattern, cancellationToken))
            {
                var fresh = page.Where(key => !_keys.IsIndexKey(key) && seen.Add(key)).ToArray();
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
                        result[_keys.StoreKeyOf(fresh[i])] = data;
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

    /// <summary>Counts the session keys under the prefix.</summary>
    /// <inheritdoc/>
    public async ValueTask<long> CountAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            var connection = await _connection.GetAsync(cancellationToken);
            var database = connection.GetDatabase(_options.Database);
            var seen = new HashSet<RedisKey>();
            await foreach (var page in ScanAsync(connection, database.Database, _keys.SessionPattern, cancellationToken))
            {
                seen.UnionWith(page.Where(key => !_keys.IsIndexKey(key)));
            }

            return seen.Count;
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            throw Unavailable(ex);
        }
    }

    /// <summary>
    /// Deletes every key under the prefix, and every set of the user index, with one single-key
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
            foreach (var pattern in (string[])[_keys.SessionPattern, _keys.IndexPattern])
            {
                await foreach (var page in ScanAsync(connection, database.Database, pattern, cancellationToken))
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
    // (The difference is taken in whole milliseconds, as JavaScript's dates have it.)
    internal long TtlSeconds(SessionData data) =>
        data.Expires is null ? _defaultTtlSeconds : TtlSeconds(StoreDocument.Expiry(data, _options.DefaultLifetime, _time));

    private long TtlSeconds(DateTimeOffset expires)
    {
        var milliseconds = expires.ToUnixTimeMilliseconds() - _time.GetUtcNow().ToUnixTimeMilliseconds();
        return (long)Math.Ceiling(milliseconds / 1000.0);
    }

    /// <summary>
    /// What <c>GETEX key EX ttl</c> does, for a server without it (before Redis 6.2): a <c>GET</c>
    /// and an <c>EXPIRE</c> sent together (one round trip; <c>EXPIRE</c> on a missing key does nothing).
    /// </summary>
    private static async Task<RedisValue> GetThenExpireAsync(IDatabaseAsync database, RedisKey key, TimeSpan ttl)
    {
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

    private static Task<RedisResult> CompareAndSetAsync(IDatabaseAsync database, RedisKey key, RedisValue expected, RedisValue document, long ttl) =>
        ttl > 0
            ? database.ScriptEvaluateAsync(RedisScripts.CompareAndSet, [key], [expected, document, ttl])
            : database.ScriptEvaluateAsync(RedisScripts.CompareAndDelete, [key], [expected]);

    private async ValueTask<IDatabaseAsync> DatabaseAsync(CancellationToken cancellationToken)
    {
        var connection = await _connection.GetAsync(cancellationToken);
        return connection.GetDatabase(_options.Database);
    }

    // The value read is the session's version: a conditional write compares it with the key's value.
    private SessionData? Read(RedisValue value)
    {
        var data = StoreDocument.Read(((ReadOnlyMemory<byte>)value).Span, _time, _logger);
        if (data is not null)
        {
            data.StoreVersion = value;
        }

        return data;
    }

    // Cursor SCAN on every primary: in a cluster each holds its own slots; replicas are skipped.
    private async IAsyncEnumerable<RedisKey[]> ScanAsync(IConnectionMultiplexer connection, int database, string pattern, [EnumeratorCancellation] CancellationToken cancellationToken)
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
                var reply = await server.ExecuteAsync(database, "SCAN", [cursor, "MATCH", pattern, "COUNT", count], CommandFlags.None)
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
        ArgumentNullException.ThrowIfNull(options.KeyPrefix, "RedisStoreOptions.KeyPrefix");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.DefaultLifetime, TimeSpan.FromSeconds(1), "RedisStoreOptions.DefaultLifetime");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Database, -1, "RedisStoreOptions.Database");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ScanCount, 1, "RedisStoreOptions.ScanCount");
        return new RedisStoreOptions
        {
            Configuration = options.Configuration,
            KeyPrefix = options.KeyPrefix,
            DefaultLifetime = options.DefaultLifetime,
            DisableTouch = options.DisableTouch,
            Database = options.Database,
            ScanCount = options.ScanCount,
        };
    }
}
