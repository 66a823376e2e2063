using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tessera.Diagnostics;

namespace Tessera;

/// <summary>
/// A session store in one SQLite file: durable across restarts and crashes, shared by the
/// processes of one machine, and needing no server. Each session is a row holding
/// express-session's JSON document and its expiry; expired rows are never returned and are
/// deleted in the background in bounded batches.
/// </summary>
/// <remarks>
/// <para>
/// The file is in WAL mode with <c>synchronous=FULL</c>: a completed <see cref="SetAsync"/> is
/// on disk, and survives a crash of the process and a loss of power. The schema is created on
/// first use and carries a version; a file with a newer version is refused.
/// </para>
/// <para>
/// Microsoft.Data.Sqlite runs every statement synchronously, so no statement runs on the
/// caller's thread. Writes (<see cref="SetAsync"/>, <see cref="TrySetAsync"/>,
/// <see cref="DestroyAsync"/>, <see cref="TouchAsync"/>, <see cref="ClearAsync"/>, the schema and
/// the background purge) are queued for one dedicated writer thread per store, which runs them in
/// order on one connection; SQLite admits one writer at a time anyway, and only that thread waits
/// for another connection's write lock, up to <see cref="SqliteStoreOptions.BusyTimeout"/>. Reads
/// run on the thread pool on pooled connections, in parallel: in WAL mode a reader does not wait
/// for writers. Every method returns at once; its task completes as cancelled as soon as its token
/// is cancelled. Work whose token is cancelled before it starts is not done; a statement already
/// running is finished.
/// </para>
/// <para>
/// <see cref="TouchAsync"/> moves the expiry and leaves the stored document as it was;
/// <see cref="GetAsync"/> reports the expiry the row holds as <see cref="SessionData.StoreExpires"/>.
/// Each row has a version that every write of its document changes, so writes can be
/// conditional (<see cref="TrySetAsync"/>): one <c>UPDATE</c> that replaces only a live row of
/// the version the caller read.
/// Each row also records the session's user (<see cref="SessionData.UserId"/>), written by the
/// same statement as the document and indexed, so <see cref="GetUserSessionsAsync"/> finds a
/// user's sessions without a scan.
/// </para>
/// </remarks>
public sealed class SqliteStore : IConditionalSessionStore, IEnumerableSessionStore, IUserSessionStore, IAsyncDisposable, IDisposable
{
    private readonly string _connectionString;
    private readonly string _pragmas;
    private readonly SqliteStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ITimer _purgeTimer;
    private readonly SqliteWriter _writer;
    private readonly CancellationTokenSource _disposing = new();
    private readonly Lock _lock = new();
    private volatile bool _schemaReady; // written on the writer thread only
    private Task? _schema;
    private Task _purge = Task.CompletedTask;
    private bool _disposed;

    /// <summary>
    /// Creates a store and starts its writer thread; the file and its schema are created on first
    /// use. Dispose the store to end the thread.
    /// </summary>
    /// <param name="options">The options, with a path or a connection string.</param>
    /// <param name="timeProvider">The clock for expiry and the background purge; the system clock when null.</param>
    /// <param name="logger">The logger; none when null.</param>
    /// <exception cref="ArgumentException">The options have neither or both of a path and a connection string.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An interval, lifetime or size is not positive.</exception>
    public SqliteStore(SqliteStoreOptions options, TimeProvider? timeProvider = null, ILogger<SqliteStore>? logger = null)
    {
        _options = Validate(options);
        var builder = _options.ConnectionString is { } connectionString
            ? new SqliteConnectionStringBuilder(connectionString)
            : new SqliteConnectionStringBuilder { DataSource = _options.Path };
        var busySeconds = (int)Math.Ceiling(_options.BusyTimeout.TotalSeconds);
        builder.DefaultTimeout = busySeconds;
        _connectionString = builder.ToString();
        DataSource = builder.DataSource;
        _pragmas = $"PRAGMA busy_timeout = {(long)_options.BusyTimeout.TotalMilliseconds}; PRAGMA synchronous = FULL;";
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _writer = new SqliteWriter(OpenWriterConnection);
        _purgeTimer = _time.CreateTimer(static state => ((SqliteStore)state!).StartPurge(), this, _options.PurgeInterval, _options.PurgeInterval);
    }

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
    /// The database file, as messages name it: <see cref="SqliteStoreOptions.Path"/>, or the
    /// connection string's data source (never the whole string, which may hold a password).
    /// </summary>
    internal string DataSource { get; }

    /// <summary>
    /// <see langword="true"/>: every call stops waiting once its token is cancelled (a write
    /// already running on the writer thread, or a read on the thread pool, still finishes there).
    /// </summary>
    public bool HonorsCancellation => true;

    /// <summary>The thread that runs the store's writes, for tests.</summary>
    internal SqliteWriter Writer => _writer;

    /// <summary>
    /// Gets a session, read on the thread pool. Its <see cref="SessionData.StoreVersion"/> is the
    /// row's version, a boxed <see cref="long"/>, and its <see cref="SessionData.StoreExpires"/>
    /// the row's expiry, which <see cref="TouchAsync"/> may have moved past the document's cookie.
    /// </summary>
    /// <inheritdoc/>
    public async ValueTask<SessionData?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        return await ReadAsync(
            (connection, _) =>
            {
                SessionData? found = null;
                SqliteStatement.ForEachRow(connection, row => found = Read(row.GetString(0), row.GetInt64(1), row.GetInt64(2)), SqliteSchema.Get, ("$id", key), ("$now", NowMilliseconds()));
                return found;
            },
            cancellationToken);
    }

    /// <summary>
    /// Creates or replaces the session's row, with its user, on the writer thread. A replaced
    /// row's version goes up by one; a new row starts at a random version. The version returned is
    /// the row's new version, a boxed <see cref="long"/>.
    /// </summary>
    /// <inheritdoc/>
    public async ValueTask<object?> SetAsync(string key, SessionData data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(data);
        cancellationToken.ThrowIfCancellationRequested();
        var json = data.ToJson();
        var expires = ExpiresMilliseconds(data);
        var user = data.UserId;
        return await WriteAsync(
            connection => SqliteStatement.Scalar(connection, SqliteSchema.Set, ("$id", key), ("$data", json), ("$expires", expires), ("$version", NewRowVersion()), ("$user", user)),
            cancellationToken);
    }

    /// <summary>
    /// Replaces the session's row only if it is live and still of the version
    /// <paramref name="expectedVersion"/> (read by <see cref="GetAsync"/> or returned by a write),
    /// in one <c>UPDATE … WHERE id = … AND version = … AND expires &gt; now</c> on the writer thread
    /// that also moves the version on and records the session's user. A missing or expired row
    /// never matches, so a destroyed session is not brought back.
    /// </summary>
    /// <remarks>
    /// A session whose cookie has already expired is written with that expiry, so it can no longer
    /// be read: a conditional delete. An <paramref name="expectedVersion"/> that is not a
    /// <see cref="long"/> never matches.
    /// </remarks>
    /// <inheritdoc/>
    public async ValueTask<object?> TrySetAsync(string key, SessionData data, object expectedVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(expectedVersion);
        cancellationToken.ThrowIfCancellationRequested();
        if (expectedVersion is not long expected)
        {
            return null;
        }

        var json = data.ToJson();
        var expires = ExpiresMilliseconds(data);
        var user = data.UserId;
        return await WriteAsync(
            connection => SqliteStatement.Scalar(connection, SqliteSchema.TrySet, ("$id", key), ("$data", json), ("$expires", expires), ("$expected", expected), ("$user", user), ("$now", NowMilliseconds())),
            cancellationToken);
    }

    /// <summary>Deletes the session's row, on the writer thread.</summary>
    /// <inheritdoc/>
    public async ValueTask DestroyAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        await WriteAsync(connection => SqliteStatement.Execute(connection, SqliteSchema.Destroy, ("$id", key)), cancellationToken);
    }

    /// <summary>
    /// Moves a live session's expiry to <paramref name="data"/>'s cookie's (or the default
    /// lifetime from now), on the writer thread; the stored document, with its cookie, is not
    /// rewritten. <see cref="GetAsync"/> reports the new expiry as <see cref="SessionData.StoreExpires"/>.
    /// </summary>
    /// <inheritdoc/>
    public async ValueTask TouchAsync(string key, SessionData data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(data);
        cancellationToken.ThrowIfCancellationRequested();
        var expires = ExpiresMilliseconds(data);
        await WriteAsync(
            connection => SqliteStatement.Execute(connection, SqliteSchema.Touch, ("$id", key), ("$expires", expires), ("$now", NowMilliseconds())),
            cancellationToken);
    }

    /// <summary>
    /// Lists the live sessions, read on the thread pool, each with its row's version and expiry
    /// (<see cref="SessionData.StoreVersion"/>, <see cref="SessionData.StoreExpires"/>).
    /// </summary>
    /// <inheritdoc/>
    public async ValueTask<IReadOnlyDictionary<string, SessionData>> AllAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return await ReadAsync(
            (connection, token) =>
            {
                var result = new Dictionary<string, SessionData>(StringComparer.Ordinal);
                SqliteStatement.ForEachRow(
                    connection,
                    row =>
                    {
                        token.ThrowIfCancellationRequested();
                        if (Read(row.GetString(1), row.GetInt64(2), row.GetInt64(3)) is { } data)
                        {
                            result[row.GetString(0)] = data;
                        }
                    },
                    SqliteSchema.All,
                    ("$now", NowMilliseconds()));
                return (IReadOnlyDictionary<string, SessionData>)result;
            },
            cancellationToken);
    }

    /// <summary>Counts the live sessions, on the thread pool.</summary>
    /// <inheritdoc/>
    public async ValueTask<long> CountAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return await ReadAsync(
            (connection, _) => (long)SqliteStatement.Scalar(connection, SqliteSchema.Count, ("$now", NowMilliseconds()))!,
            cancellationToken);
    }

    /// <summary>Deletes every session, on the writer thread.</summary>
    /// <inheritdoc/>
    public async ValueTask ClearAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await WriteAsync(connection => SqliteStatement.Execute(connection, SqliteSchema.Clear), cancellationToken);
    }

    /// <summary>
    /// Lists the live sessions of a user: one <c>SELECT … WHERE user_id = … AND expires &gt; now</c>
    /// on the index of users, never a scan, on the thread pool. Each session's
    /// <see cref="SessionData.StoreExpires"/> is its row's expiry, so <see cref="UserSessionInfo.LastSeen"/>
    /// counts a touch. Rows whose document is unreadable are left out.
    /// </summary>
    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<UserSessionInfo>> GetUserSessionsAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        cancellationToken.ThrowIfCancellationRequested();
        return await ReadAsync(
            (connection, token) =>
            {
                var sessions = new List<UserSessionInfo>();
                SqliteStatement.ForEachRow(
                    connection,
                    row =>
                    {
                        token.ThrowIfCancellationRequested();
                        if (Read(row.GetString(1), version: null, row.GetInt64(2)) is { } data)
                        {
                            sessions.Add(new UserSessionInfo(row.GetString(0), data));
                        }
                    },
                    SqliteSchema.UserSessions,
                    ("$user", userId),
                    ("$now", NowMilliseconds()));
                return (IReadOnlyList<UserSessionInfo>)sessions;
            },
            cancellationToken);
    }

    /// <summary>
    /// Stops the background purge, fails the writes still queued with
    /// <see cref="ObjectDisposedException"/>, waits for the write the writer thread is running (at
    /// most <see cref="SqliteStoreOptions.BusyTimeout"/>) and for the thread to end, and closes the
    /// pooled connections.
    /// </summary>
    /// <returns>A task that completes when the store is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (BeginDispose() is not { } purge)
        {
            return;
        }

        await purge.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _writer.Stopped;
        EndDispose();
    }

    /// <summary>
    /// Stops the background purge, fails the writes still queued with
    /// <see cref="ObjectDisposedException"/>, waits for the write the writer thread is running (at
    /// most <see cref="SqliteStoreOptions.BusyTimeout"/>) and for the thread to end, and closes the
    /// pooled connections.
    /// </summary>
    public void Dispose()
    {
        if (BeginDispose() is not { } purge)
        {
            return;
        }

        // The purge's queued batch has failed with the writer stopped.
        purge.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing).GetAwaiter().GetResult();
        _writer.Join();
        EndDispose();
    }

    /// <summary>Deletes every expired session, one bounded batch per write, so other writes run in between.</summary>
    /// <returns>The number of sessions deleted.</returns>
    internal async Task<long> PurgeAsync(CancellationToken cancellationToken)
    {
        long total = 0;
        int deleted;
        do
        {
            deleted = await PurgeBatchAsync(cancellationToken);
            total += deleted;
        }
        while (deleted == _options.PurgeBatchSize);

        return total;
    }

    /// <summary>Deletes at most one batch of expired sessions, on the writer thread.</summary>
    /// <returns>The number of sessions deleted.</returns>
    internal Task<int> PurgeBatchAsync(CancellationToken cancellationToken) =>
        WriteAsync(
            connection => SqliteStatement.Execute(connection, SqliteSchema.PurgeBatch, ("$now", NowMilliseconds()), ("$limit", _options.PurgeBatchSize)),
            cancellationToken);

    /// <summary>
    /// Opens the file (creating it and its folder if need be) and creates or upgrades its schema
    /// now rather than on first use, so that a file that cannot be used stops the application from
    /// starting.
    /// </summary>
    /// <exception cref="InvalidOperationException">The file cannot be opened, created or given its schema; the message names the store and the file.</exception>
    internal async Task EnsureReadyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await SchemaAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var fullPath = DataSource;
            try
            {
                fullPath = System.IO.Path.GetFullPath(DataSource);
            }
            catch (Exception pathError) when (pathError is ArgumentException or NotSupportedException or PathTooLongException)
            {
                // A data source that is no path (":memory:" or a URI) is named as it is.
            }

            var where = fullPath == DataSource ? $"'{DataSource}'" : $"'{DataSource}' ({fullPath})";
            throw new InvalidOperationException(
                $"SqliteStore cannot use the database file {where}: {ex.Message}{(ex is InvalidOperationException ? "" : " Check that the path names a file in a folder the application can create and write to.")}",
                ex);
        }
    }

    /// <summary>Opens a pooled connection with the store's settings on the thread pool, once the schema is there.</summary>
    internal async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        await SchemaAsync(cancellationToken);
        return await Task.Run(OpenConnection, cancellationToken).WaitAsync(cancellationToken);
    }

    // Queues a write for the writer thread, which creates or upgrades the schema first if it has
    // not yet.
    private Task<T> WriteAsync<T>(Func<SqliteConnection, T> write, CancellationToken cancellationToken) =>
        _writer.RunAsync(
            connection =>
            {
                EnsureSchema(connection);
                return write(connection);
            },
            cancellationToken);

    // Reads run on the thread pool rather than on a thread of their own: in WAL mode a reader does
    // not wait for the write lock, so a read holds a pool thread only for its own I/O, and reads
    // run in parallel, as SQLite allows, instead of queuing behind each other or behind writes.
    private async Task<T> ReadAsync<T>(Func<SqliteConnection, CancellationToken, T> read, CancellationToken cancellationToken)
    {
        await SchemaAsync(cancellationToken);
        return await Task.Run(
            () =>
            {
                using var connection = OpenConnection();
                return read(connection, cancellationToken);
            },
            cancellationToken).WaitAsync(cancellationToken);
    }

    // Waits until the writer thread has the schema in place (created, upgraded or found).
    private Task SchemaAsync(CancellationToken cancellationToken)
    {
        if (_schemaReady)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed), this);
            return Task.CompletedTask;
        }

        Task schema;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_schema is null || _schema.IsFaulted || _schema.IsCanceled)
            {
                // Shared by every reader, so it is not cancelled by any one of them.
                _schema = _writer.RunAsync(
                    connection =>
                    {
                        EnsureSchema(connection);
                        return true;
                    },
                    CancellationToken.None);
            }

            schema = _schema;
        }

        return schema.IsCompletedSuccessfully ? Task.CompletedTask : schema.WaitAsync(cancellationToken);
    }

    // On the writer thread: the first write creates or upgrades the schema; a failed attempt is
    // tried again by the next write.
    private void EnsureSchema(SqliteConnection connection)
    {
        if (_schemaReady)
        {
            return;
        }

        var found = SqliteSchema.Ensure(connection);
        if (found == 0)
        {
            SqliteStoreLog.SchemaCreated(_logger, SqliteSchema.Version, connection.DataSource);
        }
        else if (found < SqliteSchema.Version)
        {
            SqliteStoreLog.SchemaUpgraded(_logger, found, SqliteSchema.Version, connection.DataSource);
        }

        _schemaReady = true;
    }

    private SqliteConnection OpenConnection()
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            SqliteStatement.Execute(connection, _pragmas);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    // The writer's connection is the first to the file, so it creates the file's folder.
    private SqliteConnection OpenWriterConnection()
    {
        if (_options.Path is { } path && System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)) is { } folder)
        {
            Directory.CreateDirectory(folder);
        }

        return OpenConnection();
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
                SqliteStoreLog.Purged(_logger, deleted);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (ObjectDisposedException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is SqliteException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            SqliteStoreLog.PurgeFailed(_logger, SessionIdRedaction.Copy(ex));
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

        // Outside the lock: cancelling and failing the queued work completes the tasks that wait on it.
        _purgeTimer.Dispose();
        _disposing.Cancel();
        _writer.Stop();
        return purge;
    }

    private void EndDispose()
    {
        _disposing.Dispose();
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }

    // A positive version with room to count up from: SQLite turns an integer that overflows into a real.
    private static long NewRowVersion()
    {
        Span<byte> bytes = stackalloc byte[sizeof(long)];
        RandomNumberGenerator.Fill(bytes);
        return (BinaryPrimitives.ReadInt64LittleEndian(bytes) & (long.MaxValue >> 1)) + 1;
    }

    private SessionData? Read(string json, long? version, long? expires)
    {
        var data = StoreDocument.Read(Encoding.UTF8.GetBytes(json), _time, _logger);
        if (data is not null)
        {
            data.StoreVersion = version;
            data.StoreExpires = expires is { } milliseconds ? DateTimeOffset.FromUnixTimeMilliseconds(milliseconds) : null;
        }

        return data;
    }

    private long NowMilliseconds() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private long ExpiresMilliseconds(SessionData data) =>
        StoreDocument.Expiry(data, _options.DefaultLifetime, _time).ToUnixTimeMilliseconds();

    // Checks the options and takes a copy, so that later changes to them have no effect.
    internal static SqliteStoreOptions Validate(SqliteStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var hasPath = !string.IsNullOrWhiteSpace(options.Path);
        var hasConnectionString = !string.IsNullOrWhiteSpace(options.ConnectionString);
        if (hasPath == hasConnectionString)
        {
            throw new ArgumentException("Set exactly one of SqliteStoreOptions.Path and SqliteStoreOptions.ConnectionString.", nameof(options));
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.DefaultLifetime, TimeSpan.Zero, "SqliteStoreOptions.DefaultLifetime");
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.PurgeInterval, TimeSpan.Zero, "SqliteStoreOptions.PurgeInterval");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.PurgeBatchSize, 1, "SqliteStoreOptions.PurgeBatchSize");
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.BusyTimeout, TimeSpan.Zero, "SqliteStoreOptions.BusyTimeout");
        return new SqliteStoreOptions
        {
            Path = hasPath ? options.Path : null,
            ConnectionString = hasConnectionString ? options.ConnectionString : null,
            DefaultLifetime = options.DefaultLifetime,
            PurgeInterval = options.PurgeInterval,
            PurgeBatchSize = options.PurgeBatchSize,
            BusyTimeout = options.BusyTimeout,
        };
    }
}
