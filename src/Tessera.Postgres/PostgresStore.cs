using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Tessera.Diagnostics;

namespace Tessera;

/// <summary>
/// A session store in PostgreSQL, in connect-pg-simple's table: a row per session with
/// <c>sid</c>, <c>sess</c> (express-session's JSON document) and <c>expire</c>. A Node.js app on
/// express-session and connect-pg-simple with the same secret and table reads and writes the same
/// sessions, live.
/// </summary>
/// <remarks>
/// <para>
/// Every call is asynchronous on a pooled <see cref="NpgsqlDataSource"/>, and a cancelled token
/// cancels the statement on the server. A failure of the server or the pool (down, unreachable,
/// pool exhausted) is thrown to the runtime, whose <see cref="TesseraOptions.StoreFailure"/> applies.
/// </para>
/// <para>
/// Expiry is connect-pg-simple's: <c>expire</c> comes from the cookie's expiry, else
/// <see cref="PostgresStoreOptions.DefaultLifetime"/> from now, is converted by <c>to_timestamp</c>
/// in the session's time zone, and a row whose <c>expire</c> is not after now is absent.
/// <see cref="TouchAsync"/> moves only <c>expire</c>; <see cref="GetAsync"/> reports it as
/// <see cref="SessionData.StoreExpires"/>. Expired rows are deleted every
/// <see cref="PostgresStoreOptions.PurgeInterval"/>.
/// </para>
/// <para>
/// Writes can be conditional (<see cref="IConditionalSessionStore"/>) without a change to the
/// table: a session's version is its stored document, which every write returns, and a
/// conditional write is one <c>UPDATE</c> of the live row still holding the document the caller
/// read. A deleted row never matches, so a destroyed session is never written back. Sessions are
/// indexed by user (<see cref="IUserSessionStore"/>) through a side table keyed by session and
/// indexed by user, written in the same statement as the session's row.
/// </para>
/// </remarks>
public sealed class PostgresStore : IConditionalSessionStore, IEnumerableSessionStore, IUserSessionStore, IAsyncDisposable, IDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly bool _ownsDataSource;
    private readonly PostgresStoreOptions _options;
    private readonly PostgresStatements _sql;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ITimer? _purgeTimer;
    private readonly CancellationTokenSource _disposing = new();
    private readonly Lock _lock = new();
    private volatile bool _tableReady;
    private Task? _table;
    private Task _purge = Task.CompletedTask;
    private bool _disposed;

    /// <summary>
    /// Creates a store with a pooled data source of its own, opened from
    /// <see cref="PostgresStoreOptions.ConnectionString"/> and closed when the store is disposed.
    /// The table is checked, and created if need be, on first use.
    /// </summary>
    /// <param name="options">The options, with a connection string.</param>
    /// <param name="timeProvider">The clock for expiry and the background purge; the system clock when null.</param>
    /// <param name="logger">The logger; none when null.</param>
    /// <exception cref="ArgumentException">The options have no connection string, one that does not parse, or an empty table name.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A lifetime or interval is not positive.</exception>
    public PostgresStore(PostgresStoreOptions options, TimeProvider? timeProvider = null, ILogger<PostgresStore>? logger = null)
        : this(CreateDataSource(options), ownsDataSource: true, options, timeProvider, logger)
    {
    }

    /// <summary>
    /// Creates a store on a data source the application owns; disposing the store leaves it open.
    /// <see cref="PostgresStoreOptions.ConnectionString"/> is not used.
    /// </summary>
    /// <param name="dataSource">The data source.</param>
    /// <param name="options">The options; defaults when null.</param>
    /// <param name="timeProvider">The clock for expiry and the background purge; the system clock when null.</param>
    /// <param name="logger">The logger; none when null.</param>
    public PostgresStore(NpgsqlDataSource dataSource, PostgresStoreOptions? options = null, TimeProvider? timeProvider = null, ILogger<PostgresStore>? logger = null)
        : this(dataSource ?? throw new ArgumentNullException(nameof(dataSource)), ownsDataSource: false, options ?? new PostgresStoreOptions(), timeProvider, logger)
    {
    }

    private PostgresStore(NpgsqlDataSource dataSource, bool ownsDataSource, PostgresStoreOptions options, TimeProvider? timeProvider, ILogger<PostgresStore>? logger)
    {
        _options = Validate(options);
        _dataSource = dataSource;
        _ownsDataSource = ownsDataSource;
        _sql = new PostgresStatements(_options.TableName, _options.SchemaName);
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        Database = Describe(dataSource);
        if (_options.PurgeInterval is { } interval)
        {
            _purgeTimer = _time.CreateTimer(static state => ((PostgresStore)state!).StartPurge(), this, interval, interval);
        }
    }

    /// <summary>The server and database, as messages name them: <c>host:port/database</c>, never the password.</summary>
    internal string Database { get; }

    /// <summary>The table, as SQL names it.</summary>
    internal string Table => _sql.QualifiedName;

    /// <summary>The running or last background purge, for tests.</summary>
    internal Task BackgroundPurge
    {
        get
        {
            lock (_lock)
            {
                return _purge;
            }
        }
    }

    /// <summary>
    /// Gets a live session. Its <see cref="SessionData.StoreVersion"/> is the stored document (a
    /// <see cref="string"/>), and its <see cref="SessionData.StoreExpires"/> the row's <c>expire</c>,
    /// which <see cref="TouchAsync"/> may have moved past the document's cookie.
    /// </summary>
    /// <inheritdoc/>
    public async ValueTask<SessionData?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        await using var command = await CommandAsync(_sql.Get, cancellationToken);
        Add(command, key);
        Add(command, NowMilliseconds());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader.GetString(0), reader.GetInt64(1)) : null;
    }

    /// <summary>
    /// Creates or replaces the session's row, as connect-pg-simple's <c>set</c> does, and returns
    /// the document written (a <see cref="string"/>) as its version. A session whose expiry has
    /// passed is written with that expiry, so it can no longer be read.
    /// </summary>
    /// <inheritdoc/>
    public async ValueTask<object?> SetAsync(string key, SessionData data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(data);
        var json = data.ToJson();
        var user = data.UserId;
        await using var command = await CommandAsync(user is null ? _sql.SetWithoutUser : _sql.Set, cancellationToken);
        Add(command, key);
        Add(command, json);
        Add(command, ExpiresMilliseconds(data));
        if (user is not null)
        {
            Add(command, user);
        }

        await command.ExecuteScalarAsync(cancellationToken);
        return json;
    }

    /// <summary>
    /// Replaces the session's row only if it is live and still holds the document
    /// <paramref name="expectedVersion"/> (read by <see cref="GetAsync"/> or written by
    /// <see cref="SetAsync"/>), in one <c>UPDATE … WHERE sid = … AND sess::text = … AND expire &gt; now</c>.
    /// A missing or expired row never matches, so a destroyed session is not brought back. On
    /// success the version returned is the document written.
    /// </summary>
    /// <remarks>
    /// A session whose cookie has already expired is written with that expiry, so it can no longer
    /// be read: a conditional delete. An <paramref name="expectedVersion"/> that is not a
    /// <see cref="string"/> never matches.
    /// </remarks>
    /// <inheritdoc/>
    public async ValueTask<object?> TrySetAsync(string key, SessionData data, object expectedVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(expectedVersion);
        if (expectedVersion is not string expected)
        {
            return null;
        }

        var json = data.ToJson();
        var user = data.UserId;
        await using var command = await CommandAsync(user is null ? _sql.TrySetWithoutUser : _sql.TrySet, cancellationToken);
        Add(command, key);
        Add(command, json);
        Add(command, ExpiresMilliseconds(data));
        Add(command, expected);
        Add(command, NowMilliseconds());
        if (user is not null)
        {
            Add(command, user);
        }

        return (long)(await command.ExecuteScalarAsync(cancellationToken))! == 1 ? json : null;
    }

    /// <summary>Deletes the session's row.</summary>
    /// <inheritdoc/>
    public async ValueTask DestroyAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        await using var command = await CommandAsync(_sql.Destroy, cancellationToken);
        Add(command, key);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Moves a live row's <c>expire</c> to <paramref name="data"/>'s cookie's expiry (or the default
    /// lifetime from now), as connect-pg-simple's <c>touch</c> does; the stored document is not
    /// rewritten, and an expired row is not brought back. Does nothing with
    /// <see cref="PostgresStoreOptions.DisableTouch"/>.
    /// </summary>
    /// <inheritdoc/>
    public async ValueTask TouchAsync(string key, SessionData data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(data);
        if (_options.DisableTouch)
        {
            return;
        }

        await using var command = await CommandAsync(_sql.Touch, cancellationToken);
        Add(command, key);
        Add(command, ExpiresMilliseconds(data));
        Add(command, NowMilliseconds());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Lists the live sessions, each with its version and expiry; a full scan, for administration.</summary>
    /// <inheritdoc/>
    public async ValueTask<IReadOnlyDictionary<string, SessionData>> AllAsync(CancellationToken cancellationToken = default)
    {
        await using var command = await CommandAsync(_sql.All, cancellationToken);
        Add(command, NowMilliseconds());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new Dictionary<string, SessionData>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (Read(reader.GetString(1), reader.GetInt64(2)) is { } data)
            {
                result[reader.GetString(0)] = data;
            }
        }

        return result;
    }

    /// <summary>Counts the live sessions.</summary>
    /// <inheritdoc/>
    public async ValueTask<long> CountAsync(CancellationToken cancellationToken = default)
    {
        await using var command = await CommandAsync(_sql.Count, cancellationToken);
        Add(command, NowMilliseconds());
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Deletes every row of the table.</summary>
    /// <inheritdoc/>
    public async ValueTask ClearAsync(CancellationToken cancellationToken = default)
    {
        await using var command = await CommandAsync(_sql.Clear, cancellationToken);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Lists the user's live sessions through the user index (a side table keyed by session and
    /// indexed by user, written with every write of a session), so without a scan. A session whose
    /// document no longer names the user (rewritten by a Node.js app that dropped Tessera's
    /// metadata) is left out.
    /// </summary>
    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<UserSessionInfo>> GetUserSessionsAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        await using var command = await CommandAsync(_sql.UserSessions, cancellationToken);
        Add(command, userId);
        Add(command, NowMilliseconds());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var sessions = new List<UserSessionInfo>();
        while (await reader.ReadAsync(cancellationToken))
        {
            if (Read(reader.GetString(1), reader.GetInt64(2)) is { } data && data.UserId == userId)
            {
                sessions.Add(new UserSessionInfo(reader.GetString(0), data));
            }
        }

        return sessions;
    }

    /// <summary>Names the store, its table and its database (never the password), for messages.</summary>
    /// <returns>For example <c>PostgresStore (table "session" in db:5432/app)</c>.</returns>
    public override string ToString() => $"PostgresStore (table {Table} in {Database})";

    /// <summary>Stops the background purge and waits for it, and closes the data source if the store opened it.</summary>
    /// <returns>A task that completes when the store is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (BeginDispose() is not { } purge)
        {
            return;
        }

        await purge.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _disposing.Dispose();
        if (_ownsDataSource)
        {
            await _dataSource.DisposeAsync();
        }
    }

    /// <summary>Stops the background purge and waits for it, and closes the data source if the store opened it.</summary>
    public void Dispose()
    {
        if (BeginDispose() is not { } purge)
        {
            return;
        }

        purge.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing).GetAwaiter().GetResult();
        _disposing.Dispose();
        if (_ownsDataSource)
        {
            _dataSource.Dispose();
        }
    }

    /// <summary>Deletes every expired row, as connect-pg-simple's <c>pruneSessions</c> does.</summary>
    /// <returns>The number of rows deleted.</returns>
    internal async Task<long> PurgeAsync(CancellationToken cancellationToken)
    {
        await using var command = await CommandAsync(_sql.Purge, cancellationToken);
        Add(command, NowMilliseconds());
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Connects and puts the table in place (or checks it is there) now rather than on first use,
    /// so that a database that cannot be used stops the application from starting.
    /// </summary>
    /// <exception cref="InvalidOperationException">The server cannot be reached or the table cannot be used; the message names the server, the database and the table, never the password.</exception>
    internal async Task EnsureReadyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await TableAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException($"{this} cannot be used: {SessionIdRedaction.Copy(ex).Message}", ex);
        }
    }

    // A command on a pooled connection, which the data source opens when the command runs and
    // returns to the pool when it (or its reader) is disposed; the table is put in place first.
    private async ValueTask<NpgsqlCommand> CommandAsync(string sql, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await TableAsync(cancellationToken);
        return _dataSource.CreateCommand(sql);
    }

    private static void Add<T>(NpgsqlCommand command, T value) => command.Parameters.Add(new NpgsqlParameter<T> { TypedValue = value });

    // Waits until the table is in place (created or found); a failed attempt is tried again by the next call.
    private Task TableAsync(CancellationToken cancellationToken)
    {
        if (_tableReady)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed), this);
            return Task.CompletedTask;
        }

        Task table;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_table is null || _table.IsFaulted || _table.IsCanceled)
            {
                // Shared by every caller, so it is not cancelled by any one of them.
                _table = EnsureTableAsync(_disposing.Token);
            }

            table = _table;
        }

        return table.IsCompletedSuccessfully ? Task.CompletedTask : table.WaitAsync(cancellationToken);
    }

    private async Task EnsureTableAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        if (_options.CreateTableIfMissing)
        {
            await CreateTableAsync(connection, cancellationToken);
        }
        else
        {
            await CheckTableAsync(connection, cancellationToken);
        }

        PostgresStoreLog.TableReady(_logger, Table, Database);
        _tableReady = true;
    }

    // connect-pg-simple's table, created only when missing (so a table connect-pg-simple created
    // under another name does not get a second expiry index), plus Tessera's user index.
    private async Task CreateTableAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand(_sql.Lock, connection, transaction))
        {
            Add(command, Table);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        bool exists;
        await using (var command = new NpgsqlCommand(_sql.Exists, connection, transaction))
        {
            Add(command, Table);
            exists = (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
        }

        foreach (var sql in exists ? [_sql.CreateUserIndex] : (string[])[_sql.Create, _sql.CreateUserIndex])
        {
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    private async Task CheckTableAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using (var command = new NpgsqlCommand(_sql.Columns, connection))
        {
            Add(command, Table);
            if ((long)(await command.ExecuteScalarAsync(cancellationToken))! != 3)
            {
                throw new InvalidOperationException(
                    $"The table {Table} does not exist or lacks connect-pg-simple's columns sid, sess and expire. "
                    + "Create it with connect-pg-simple's table.sql, or set PostgresStoreOptions.CreateTableIfMissing.");
            }
        }

        await using (var command = new NpgsqlCommand(_sql.Exists, connection))
        {
            Add(command, _sql.UserTable);
            if (!(bool)(await command.ExecuteScalarAsync(cancellationToken))!)
            {
                throw new InvalidOperationException(
                    $"The user index table {_sql.UserTable} does not exist. Create it as the Tessera.Postgres README shows, "
                    + "or set PostgresStoreOptions.CreateTableIfMissing.");
            }
        }
    }

    private void StartPurge()
    {
        lock (_lock)
        {
            if (_disposed || !_purge.IsCompleted)
            {
                return; // stopped, or the last purge is still running
            }

            _purge = PurgeInBackgroundAsync(_disposing.Token);
        }
    }

    private async Task PurgeInBackgroundAsync(CancellationToken cancellationToken)
    {
        await Task.Yield();
        try
        {
            var deleted = await PurgeAsync(cancellationToken);
            if (deleted > 0)
            {
                PostgresStoreLog.Purged(_logger, deleted);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (ObjectDisposedException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            PostgresStoreLog.PurgeFailed(_logger, SessionIdRedaction.Copy(ex));
        }
    }

    private Task? BeginDispose()
    {
        Task purge;
        lock (_lock)
        {
            if (_disposed)
            {
                return null;
            }

            _disposed = true;
            purge = _purge;
        }

        _purgeTimer?.Dispose();
        _disposing.Cancel();
        return purge;
    }

    // The stored document is the session's version; an unreadable one is logged and read as missing.
    private SessionData? Read(string json, long expires)
    {
        var data = StoreDocument.Read(Encoding.UTF8.GetBytes(json), _time, _logger);
        if (data is not null)
        {
            data.StoreVersion = json;
            data.StoreExpires = DateTimeOffset.FromUnixTimeMilliseconds(expires);
        }

        return data;
    }

    private long NowMilliseconds() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private long ExpiresMilliseconds(SessionData data) =>
        StoreDocument.Expiry(data, _options.DefaultLifetime, _time).ToUnixTimeMilliseconds();

    private static string Describe(NpgsqlDataSource dataSource)
    {
        // The data source's connection string leaves the password out unless Persist Security Info is set; read only the parts named.
        var builder = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        var host = string.IsNullOrEmpty(builder.Host) ? "localhost" : builder.Host;
        var database = string.IsNullOrEmpty(builder.Database) ? builder.Username ?? "(default database)" : builder.Database;
        return $"{host}:{builder.Port}/{database}";
    }

    private static NpgsqlDataSource CreateDataSource(PostgresStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            throw new ArgumentException("PostgresStoreOptions.ConnectionString is required when the store opens its own data source.", nameof(options));
        }

        try
        {
            return NpgsqlDataSource.Create(options.ConnectionString);
        }
        catch (ArgumentException ex)
        {
            // The message of a connection string that does not parse names the bad keyword, not the string.
            throw new ArgumentException($"PostgresStoreOptions.ConnectionString is not a valid Npgsql connection string: {ex.Message}", nameof(options), ex);
        }
    }

    // Checks the options and takes a copy, so that later changes to them have no effect.
    internal static PostgresStoreOptions Validate(PostgresStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.TableName))
        {
            throw new ArgumentException("PostgresStoreOptions.TableName must not be empty.", nameof(options));
        }

        if (options.SchemaName is not null && string.IsNullOrWhiteSpace(options.SchemaName))
        {
            throw new ArgumentException("PostgresStoreOptions.SchemaName must be null or a name.", nameof(options));
        }

        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            try
            {
                _ = new NpgsqlConnectionStringBuilder(options.ConnectionString);
            }
            catch (ArgumentException ex)
            {
                // The message of a connection string that does not parse names the bad keyword, not the string.
                throw new ArgumentException($"PostgresStoreOptions.ConnectionString is not a valid Npgsql connection string: {ex.Message}", nameof(options), ex);
            }
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.DefaultLifetime, TimeSpan.Zero, "PostgresStoreOptions.DefaultLifetime");
        if (options.PurgeInterval is { } interval)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero, "PostgresStoreOptions.PurgeInterval");
        }

        return new PostgresStoreOptions
        {
            ConnectionString = options.ConnectionString,
            TableName = options.TableName,
            SchemaName = options.SchemaName,
            DefaultLifetime = options.DefaultLifetime,
            CreateTableIfMissing = options.CreateTableIfMissing,
            PurgeInterval = options.PurgeInterval,
            DisableTouch = options.DisableTouch,
        };
    }
}
