using System.Buffers.Binary;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Tessera;

/// <summary>
/// A session store in one SQLite file: durable across restarts and crashes, shared by the
/// processes of one machine, and needing no server. Each session is a row holding
/// express-session's JSON document and its expiry; expired rows are never returned and are
/// deleted in the background in bounded batches.
/// </summary>
/// <remarks>
/// The file is in WAL mode with <c>synchronous=FULL</c>: a completed <see cref="SetAsync"/> is
/// on disk, and survives a crash of the process and a loss of power. The schema is created on
/// first use and carries a version; a file with a newer version is refused. Connections are
/// pooled, and concurrent writers wait for each other up to <see cref="SqliteStoreOptions.BusyTimeout"/>.
/// <see cref="TouchAsync"/> moves the expiry and leaves the stored document as it was.
/// Each row has a version that every write of its document changes, so writes can be
/// conditional (<see cref="TrySetAsync"/>): one <c>UPDATE</c> that replaces only a live row of
/// the version the caller read.
/// Each row also records the session's user (<see cref="SessionData.UserId"/>), written by the
/// same statement as the document and indexed, so <see cref="GetUserSessionsAsync"/> finds a
/// user's sessions without a scan.
/// </remarks>
public sealed class SqliteStore : IEnumerableSessionStore, IUserSessionStore, IAsyncDisposable, IDisposable
{
    private readonly string _connectionString;
    private readonly string _pragmas;
    private readonly SqliteStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ITimer _purgeTimer;
    private readonly CancellationTokenSource _disposing = new();
    private readonly Lock _lock = new();
    private Task? _schema;
    private Task _purge = Task.CompletedTask;
    private bool _disposed;

    /// <summary>Creates a store; the file and its schema are created on first use.</summary>
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
        _pragmas = $"PRAGMA busy_timeout = {(long)_options.BusyTimeout.TotalMilliseconds}; PRAGMA synchronous = FULL;";
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
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

    /// <summary>Gets a session; its <see cref="SessionData.StoreVersion"/> is the row's version, a boxed <see cref="long"/>.</summary>
    /// <inheritdoc/>
    public async ValueTask<SessionData?> GetAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        cancellationToken.ThrowIfCancellationRequested();
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = SqliteSchema.Get;
        command.Parameters.AddWithValue("$id", sessionId);
        command.Parameters.AddWithValue("$now", NowMilliseconds());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader.GetString(0), reader.GetInt64(1)) : null;
    }

    /// <summary>
    /// Creates or replaces the session's row, with its user. A replaced row's version goes up by
    /// one; a new row starts at a random version. <paramref name="data"/>'s
    /// <see cref="SessionData.StoreVersion"/> becomes the version written.
    /// </summary>
    /// <inheritdoc/>
    public async ValueTask SetAsync(string sessionId, SessionData data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        ArgumentNullException.ThrowIfNull(data);
        cancellationToken.ThrowIfCancellationRequested();
        var json = data.ToJson();
        var expires = ExpiresMilliseconds(data);
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = SqliteSchema.Set;
        command.Parameters.AddWithValue("$id", sessionId);
        command.Parameters.AddWithValue("$data", json);
        command.Parameters.AddWithValue("$expires", expires);
        command.Parameters.AddWithValue("$version", NewRowVersion());
        command.Parameters.AddWithValue("$user", (object?)data.UserId ?? DBNull.Value);
        data.StoreVersion = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Always <see langword="true"/>: <see cref="TrySetAsync"/> is a compare-and-set in one statement.</summary>
    public bool SupportsConditionalWrites => true;

    /// <summary>
    /// Replaces the session's row only if it is live and still of the version
    /// <paramref name="expectedVersion"/> (read by <see cref="GetAsync"/> or written by
    /// <see cref="SetAsync"/>), in one <c>UPDATE … WHERE id = … AND version = … AND expires &gt; now</c>
    /// that also moves the version on and records the session's user. A missing or expired row
    /// never matches, so a destroyed session is not brought back. On success <paramref name="data"/>'s
    /// <see cref="SessionData.StoreVersion"/> becomes the new version.
    /// </summary>
    /// <remarks>
    /// A session whose cookie has already expired is written with that expiry, so it can no longer
    /// be read: a conditional delete. An <paramref name="expectedVersion"/> that is not a
    /// <see cref="long"/> never matches.
    /// </remarks>
    /// <inheritdoc/>
    public async ValueTask<bool> TrySetAsync(string sessionId, SessionData data, object expectedVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(expectedVersion);
        cancellationToken.ThrowIfCancellationRequested();
        if (expectedVersion is not long expected)
        {
            return false;
        }

        var json = data.ToJson();
        var now = NowMilliseconds();
        var expires = ExpiresMilliseconds(data);
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = SqliteSchema.TrySet;
        command.Parameters.AddWithValue("$id", sessionId);
        command.Parameters.AddWithValue("$data", json);
        command.Parameters.AddWithValue("$expires", expires);
        command.Parameters.AddWithValue("$expected", expected);
        command.Parameters.AddWithValue("$user", (object?)data.UserId ?? DBNull.Value);
        command.Parameters.AddWithValue("$now", now);
        if (await command.ExecuteScalarAsync(cancellationToken) is not long version)
        {
            return false;
        }

        data.StoreVersion = version;
        return true;
    }

    /// <inheritdoc/>
    public async ValueTask DestroyAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        cancellationToken.ThrowIfCancellationRequested();
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = SqliteSchema.Destroy;
        command.Parameters.AddWithValue("$id", sessionId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Moves a live session's expiry to <paramref name="data"/>'s cookie's (or the default
    /// lifetime from now); the stored document, with its cookie, is not rewritten.
    /// </summary>
    /// <inheritdoc/>
    public async ValueTask TouchAsync(string sessionId, SessionData data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        ArgumentNullException.ThrowIfNull(data);
        cancellationToken.ThrowIfCancellationRequested();
        var now = NowMilliseconds();
        var expires = ExpiresMilliseconds(data);
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = SqliteSchema.Touch;
        command.Parameters.AddWithValue("$id", sessionId);
        command.Parameters.AddWithValue("$expires", expires);
        command.Parameters.AddWithValue("$now", now);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyDictionary<string, SessionData>> AllAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = SqliteSchema.All;
        command.Parameters.AddWithValue("$now", NowMilliseconds());
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

    /// <inheritdoc/>
    public async ValueTask<long> CountAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = SqliteSchema.Count;
        command.Parameters.AddWithValue("$now", NowMilliseconds());
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <inheritdoc/>
    public async ValueTask ClearAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = SqliteSchema.Clear;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Lists the live sessions of a user: one <c>SELECT … WHERE user_id = … AND expires &gt; now</c>
    /// on the index of users, never a scan. Rows whose document is unreadable are left out.
    /// </summary>
    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<UserSessionInfo>> GetUserSessionsAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        cancellationToken.ThrowIfCancellationRequested();
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = SqliteSchema.UserSessions;
        command.Parameters.AddWithValue("$user", userId);
        command.Parameters.AddWithValue("$now", NowMilliseconds());
        var sessions = new List<UserSessionInfo>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (Read(reader.GetString(1), version: null) is { } data)
            {
                sessions.Add(new UserSessionInfo(reader.GetString(0), data));
            }
        }

        return sessions;
    }

    /// <summary>Stops the background purge, waits for a running one, and closes the pooled connections.</summary>
    /// <returns>A task that completes when the store is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (BeginDispose() is not { } purge)
        {
            return;
        }

        await purge.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        EndDispose();
    }

    /// <summary>Stops the background purge, waits for a running one, and closes the pooled connections.</summary>
    public void Dispose()
    {
        if (BeginDispose() is not { } purge)
        {
            return;
        }

        // The purge stops at its next statement once cancelled.
        purge.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing).GetAwaiter().GetResult();
        EndDispose();
    }

    /// <summary>Deletes every expired session, one bounded batch per statement.</summary>
    /// <returns>The number of sessions deleted.</returns>
    internal async Task<long> PurgeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        long total = 0;
        int deleted;
        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            deleted = await PurgeBatchAsync(connection, cancellationToken);
            total += deleted;
        }
        while (deleted == _options.PurgeBatchSize);

        return total;
    }

    /// <summary>Deletes at most one batch of expired sessions.</summary>
    /// <returns>The number of sessions deleted.</returns>
    internal async Task<int> PurgeBatchAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await PurgeBatchAsync(connection, cancellationToken);
    }

    /// <summary>Opens a pooled connection with the store's settings, creating the schema on first use.</summary>
    internal async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var schema = EnsureSchema();
        if (!schema.IsCompletedSuccessfully)
        {
            await schema.WaitAsync(cancellationToken);
        }

        return await OpenConnectionAsync(cancellationToken);
    }

    private async Task<int> PurgeBatchAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = SqliteSchema.PurgeBatch;
        command.Parameters.AddWithValue("$now", NowMilliseconds());
        command.Parameters.AddWithValue("$limit", _options.PurgeBatchSize);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<SqliteConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = _pragmas;
            await command.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private Task EnsureSchema()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_schema is null || _schema.IsFaulted || _schema.IsCanceled)
            {
                _schema = CreateSchemaAsync();
            }

            return _schema;
        }
    }

    // Shared by every caller, so it is not cancelled by any one of them.
    private async Task CreateSchemaAsync()
    {
        await Task.Yield();
        if (_options.Path is { } path && System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)) is { } folder)
        {
            Directory.CreateDirectory(folder);
        }

        await using var connection = await OpenConnectionAsync(CancellationToken.None);
        var found = await SqliteSchema.EnsureAsync(connection, CancellationToken.None);
        if (found == 0)
        {
            SqliteStoreLog.SchemaCreated(_logger, SqliteSchema.Version, connection.DataSource);
        }
        else if (found < SqliteSchema.Version)
        {
            SqliteStoreLog.SchemaUpgraded(_logger, found, SqliteSchema.Version, connection.DataSource);
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
            SqliteStoreLog.PurgeFailed(_logger, ex);
        }
    }

    private Task? BeginDispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return null;
            }

            _disposed = true;
            _purgeTimer.Dispose();
            _disposing.Cancel();
            return _purge;
        }
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

    private SessionData? Read(string json, long? version)
    {
        try
        {
            var data = SessionData.Parse(json, _time);
            data.StoreVersion = version;
            return data;
        }
        catch (FormatException ex)
        {
            SqliteStoreLog.UnreadableSession(_logger, ex);
            return null;
        }
    }

    private long NowMilliseconds() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private long ExpiresMilliseconds(SessionData data) =>
        data.Expires?.ToUnixTimeMilliseconds() ?? NowMilliseconds() + (long)_options.DefaultLifetime.TotalMilliseconds;

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
