using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace Tessera.Sqlite.Tests;

/// <summary>
/// The store's writer thread: calls never wait for SQLite's write lock on the caller's thread,
/// their tokens bound them, and disposing ends the thread. The write lock is held by a
/// connection of the test (<c>BEGIN IMMEDIATE</c>, not committed) or the writer is held inside
/// a piece of work by a gate of the test; nothing waits on the clock.
/// </summary>
public sealed class SqliteStoreWriterThreadTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);
    private readonly TemporaryFolder _folder = new();
    private readonly FakeTimeProvider _time = new(Start);

    private string DatabasePath => _folder.File("sessions.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _folder.Delete();
    }

    [Fact]
    public async Task A_write_waiting_for_another_connections_write_lock_returns_at_once_and_ends_as_cancelled_with_its_token_while_the_lock_is_held()
    {
        // A busy timeout far longer than the test: a write on the caller's thread would block it.
        await using var store = NewStore(o => o.BusyTimeout = TimeSpan.FromMinutes(10));
        Assert.True(store.HonorsCancellation); // so the runtime puts no wait of its own around the call
        await store.SetAsync("before", NewSession()); // the schema is in place
        await using var holder = await HoldWriteLockAsync();
        using var cancel = new CancellationTokenSource();

        var write = store.SetAsync("abc", NewSession(), cancel.Token).AsTask();

        Assert.False(write.IsCompleted);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => write);
        Assert.True(write.IsCanceled);
        Assert.True(IsHoldingWriteLock(holder));

        await ReleaseWriteLockAsync(holder);
        await store.SetAsync("after", NewSession());
        Assert.NotNull(await store.GetAsync("after"));
    }

    [Fact]
    public async Task A_caller_whose_write_already_waits_for_the_lock_is_released_by_its_token_and_the_writer_finishes_the_statement()
    {
        await using var store = NewStore(o => o.BusyTimeout = TimeSpan.FromMinutes(10));
        await store.SetAsync("before", NewSession());
        await using var holder = await HoldWriteLockAsync();
        using var cancel = new CancellationTokenSource();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var expires = Start.AddHours(1).ToUnixTimeMilliseconds();

        var write = store.Writer.RunAsync(
            connection =>
            {
                started.SetResult();
                using var command = connection.CreateCommand();
                command.CommandText = $"INSERT INTO tessera_sessions (id, data, expires) VALUES ('abc', $data, {expires})";
                command.Parameters.AddWithValue("$data", NewSession().ToJson());
                return command.ExecuteNonQuery();
            },
            cancel.Token);
        await started.Task;
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => write);
        Assert.True(IsHoldingWriteLock(holder));

        await ReleaseWriteLockAsync(holder);
        await store.SetAsync("after", NewSession()); // queued behind the statement, so it is finished
        Assert.NotNull(await store.GetAsync("abc"));
    }

    [Fact]
    public async Task A_write_whose_token_is_cancelled_before_the_writer_reaches_it_is_not_performed()
    {
        await using var store = NewStore(o => o.BusyTimeout = TimeSpan.FromMinutes(10));
        await store.SetAsync("before", NewSession());
        await using var holder = await HoldWriteLockAsync();
        using var cancel = new CancellationTokenSource();

        // The first write holds the writer, waiting for the lock; the second is queued behind it.
        var first = store.SetAsync("first", NewSession()).AsTask();
        var second = store.SetAsync("second", NewSession(), cancel.Token).AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second);

        await ReleaseWriteLockAsync(holder);
        await first;
        await store.SetAsync("third", NewSession()); // queued after the second: the writer has passed it

        Assert.NotNull(await store.GetAsync("first"));
        Assert.Null(await store.GetAsync("second"));
        Assert.Equal(0L, await ScalarAsync("SELECT count(*) FROM tessera_sessions WHERE id = 'second'"));
        Assert.Equal(3L, await store.CountAsync());
    }

    [Fact]
    public async Task A_write_whose_token_is_cancelled_before_the_call_is_not_queued()
    {
        await using var store = NewStore();
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await store.SetAsync("abc", NewSession(), cancel.Token));

        Assert.Null(await store.GetAsync("abc"));
    }

    [Fact]
    public async Task Reads_go_on_while_another_connection_holds_the_write_lock()
    {
        await using var store = NewStore(o => o.BusyTimeout = TimeSpan.FromMinutes(10));
        await store.SetAsync("abc", NewSession());
        await using var holder = await HoldWriteLockAsync();

        Assert.NotNull(await store.GetAsync("abc"));
        Assert.Equal(1L, await store.CountAsync());
        Assert.Single(await store.AllAsync());
        Assert.True(IsHoldingWriteLock(holder));
    }

    [Fact]
    public async Task The_writer_thread_never_runs_the_continuations_of_its_callers()
    {
        await using var store = NewStore();
        await store.SetAsync("abc", NewSession());

        // Continuations that ask to run synchronously, on the thread that completes the task.
        var onWork = await store.Writer.RunAsync(_ => 0, CancellationToken.None)
            .ContinueWith(_ => Thread.CurrentThread, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        var onTouch = await store.TouchAsync("abc", NewSession()).AsTask()
            .ContinueWith(_ => Thread.CurrentThread, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        Assert.NotSame(store.Writer.Thread, onWork);
        Assert.NotSame(store.Writer.Thread, onTouch);
    }

    [Fact]
    public async Task Disposing_a_store_with_work_queued_fails_the_queued_work_and_ends_its_writer_thread()
    {
        var store = NewStore();
        await store.SetAsync("before", NewSession());
        using var gate = new ManualResetEventSlim();
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = store.Writer.RunAsync(
            _ =>
            {
                held.SetResult();
                gate.Wait();
                return 0;
            },
            CancellationToken.None);
        await held.Task;
        var queued = new[]
        {
            store.SetAsync("abc", NewSession()).AsTask(),
            store.TouchAsync("before", NewSession()).AsTask(),
            store.DestroyAsync("before").AsTask(),
        };

        var disposing = store.DisposeAsync().AsTask();

        // Failed at once, while the writer is still inside the running work.
        foreach (var write in queued)
        {
            await Assert.ThrowsAsync<ObjectDisposedException>(() => write);
        }

        Assert.False(running.IsCompleted);
        Assert.True(store.Writer.Thread.IsAlive);

        gate.Set();
        await disposing;
        Assert.Equal(0, await running); // the running work is finished, not abandoned
        Assert.True(store.Writer.Thread.Join(TimeSpan.FromMinutes(1)));
        Assert.True(store.Writer.Stopped.IsCompletedSuccessfully);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await store.SetAsync("after", NewSession()));
        Assert.Equal(0L, await ScalarAsync("SELECT count(*) FROM tessera_sessions WHERE id IN ('abc', 'after')"));
        Assert.Equal(1L, await ScalarAsync("SELECT count(*) FROM tessera_sessions WHERE id = 'before'"));
    }

    [Fact]
    public async Task Dispose_ends_the_writer_thread_of_a_store_that_never_wrote()
    {
        var store = NewStore();
        var thread = store.Writer.Thread;
        Assert.True(thread.IsAlive);
        Assert.True(thread.IsBackground);

        store.Dispose();

        Assert.True(thread.Join(TimeSpan.FromMinutes(1)));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await store.DestroyAsync("abc"));
        store.Dispose();
    }

    private SqliteStore NewStore(Action<SqliteStoreOptions>? configure = null)
    {
        var options = new SqliteStoreOptions { Path = DatabasePath };
        configure?.Invoke(options);
        return new SqliteStore(options, _time);
    }

    private SessionData NewSession() => new(new SessionCookie(_time) { MaxAge = TimeSpan.FromHours(1) });

    // Takes the file's write lock on a connection of its own, outside any pool, and keeps it.
    private async Task<SqliteConnection> HoldWriteLockAsync()
    {
        var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "BEGIN IMMEDIATE";
        await command.ExecuteNonQueryAsync();
        return connection;
    }

    // BEGIN IMMEDIATE took the lock; it is held while the transaction is open.
    private static bool IsHoldingWriteLock(SqliteConnection holder) =>
        holder.State == System.Data.ConnectionState.Open && SQLitePCL.raw.sqlite3_get_autocommit(holder.Handle) == 0;

    private static async Task ReleaseWriteLockAsync(SqliteConnection holder)
    {
        await using var command = holder.CreateCommand();
        command.CommandText = "ROLLBACK";
        await command.ExecuteNonQueryAsync();
    }

    private async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }
}
