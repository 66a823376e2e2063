using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace Tessera;

/// <summary>
/// The one thread that runs a <see cref="SqliteStore"/>'s writes, one at a time in the order they
/// were queued, on one connection it keeps open. SQLite admits one writer at a time anyway, so
/// nothing is lost by it; what is won is that only this thread ever waits for the file's write
/// lock (up to <see cref="SqliteStoreOptions.BusyTimeout"/>), never a caller's thread.
/// </summary>
/// <remarks>
/// Queuing never blocks. A caller's task completes on the thread pool, never on this thread, and
/// as soon as the caller's token is cancelled; work whose token is cancelled before this thread
/// reaches it is skipped, while work already running finishes its statement.
/// </remarks>
internal sealed class SqliteWriter
{
    private readonly Func<SqliteConnection> _open;
    private readonly Channel<SqliteWork> _queue;
    private readonly Thread _thread;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _stopping;
    private SqliteConnection? _connection; // this thread's only

    /// <summary>Starts the thread; it opens its connection with the first work.</summary>
    /// <param name="open">Opens a connection with the store's settings.</param>
    public SqliteWriter(Func<SqliteConnection> open)
    {
        _open = open;
        _queue = Channel.CreateUnbounded<SqliteWork>(new UnboundedChannelOptions
        {
            // Stop takes the queued work out while the thread may still be reading.
            SingleReader = false,
            // The only continuation is the thread's own wait (WaitForWork): a producer that queues
            // work wakes the thread at once, without a hop through a thread pool that may be busy.
            AllowSynchronousContinuations = true,
        });
        _thread = new Thread(Run) { IsBackground = true, Name = "Tessera SQLite writer" };
        _thread.Start();
    }

    /// <summary>The writer thread, for tests.</summary>
    public Thread Thread => _thread;

    /// <summary>Completes when the thread has ended and closed its connection.</summary>
    public Task Stopped => _stopped.Task;

    /// <summary>Queues work for the writer thread and returns at once.</summary>
    /// <typeparam name="T">The work's result.</typeparam>
    /// <param name="work">The statements, run on the writer thread with its connection.</param>
    /// <param name="cancellationToken">
    /// Cancelled before the work starts, the work is skipped; cancelled after, the task completes
    /// as cancelled at once while the writer finishes the work.
    /// </param>
    /// <returns>The work's result; an <see cref="ObjectDisposedException"/> once the writer is stopped.</returns>
    public Task<T> RunAsync<T>(Func<SqliteConnection, T> work, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }

        var item = new SqliteWork<T>(work, cancellationToken);
        if (!_queue.Writer.TryWrite(item))
        {
            return Task.FromException<T>(Disposed());
        }

        return cancellationToken.CanBeCanceled ? item.Task.WaitAsync(cancellationToken) : item.Task;
    }

    /// <summary>
    /// Takes no more work and fails the queued work with <see cref="ObjectDisposedException"/>; the
    /// thread ends after the work it is running, if any. Does not wait.
    /// </summary>
    public void Stop()
    {
        _stopping = true;
        _queue.Writer.TryComplete();
        while (_queue.Reader.TryRead(out var item))
        {
            item.Fail(Disposed());
        }
    }

    /// <summary>Waits for the thread to end, unless called on it.</summary>
    public void Join()
    {
        if (Thread.CurrentThread != _thread)
        {
            _thread.Join();
        }
    }

    private static ObjectDisposedException Disposed() => new(typeof(SqliteStore).FullName);

    private void Run()
    {
        try
        {
            while (WaitForWork())
            {
                while (_queue.Reader.TryRead(out var item))
                {
                    Execute(item);
                }
            }
        }
        finally
        {
            _connection?.Dispose();
            _connection = null;
            _stopped.TrySetResult();
        }
    }

    // This thread has nothing else to do, so it blocks until there is work or the queue is completed.
    private bool WaitForWork()
    {
        var wait = _queue.Reader.WaitToReadAsync();
        return wait.IsCompletedSuccessfully ? wait.Result : wait.AsTask().GetAwaiter().GetResult();
    }

    private void Execute(SqliteWork item)
    {
        if (_stopping)
        {
            item.Fail(Disposed());
            return;
        }

        if (item.IsCancellationRequested)
        {
            item.Cancel();
            return;
        }

        SqliteConnection connection;
        try
        {
            connection = _connection ??= _open();
        }
#pragma warning disable CA1031 // The work's caller gets the exception; the next work tries to open again.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            item.Fail(ex);
            return;
        }

        if (item.Run(connection) is SqliteException)
        {
            // A statement that failed may leave the connection in a transaction: the next work
            // starts on a fresh one.
            _connection = null;
            connection.Dispose();
        }
    }
}
