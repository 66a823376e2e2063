using Microsoft.Data.Sqlite;

namespace Tessera;

/// <summary>Work for a <see cref="SqliteWriter"/> with a result of type <typeparamref name="T"/>.</summary>
/// <typeparam name="T">The result.</typeparam>
/// <param name="work">The statements to run on the writer's connection.</param>
/// <param name="cancellationToken">The caller's token: when it is cancelled before the work starts, the work is skipped.</param>
internal sealed class SqliteWork<T>(Func<SqliteConnection, T> work, CancellationToken cancellationToken) : SqliteWork
{
    // Continuations run on the thread pool, never on the writer thread: the writer goes on with
    // the next work as soon as it has set the outcome.
    private readonly TaskCompletionSource<T> _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the work has run, was skipped or was failed; never cancelled by the caller's token once started.</summary>
    public Task<T> Task => _outcome.Task;

    /// <inheritdoc/>
    public override bool IsCancellationRequested => cancellationToken.IsCancellationRequested;

    /// <inheritdoc/>
    public override Exception? Run(SqliteConnection connection)
    {
        T result;
        try
        {
            result = work(connection);
        }
        catch (OperationCanceledException ex)
        {
            _outcome.TrySetCanceled(ex.CancellationToken);
            return ex;
        }
#pragma warning disable CA1031 // Every exception of the work is the caller's, delivered through its task.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _outcome.TrySetException(ex);
            return ex;
        }

        _outcome.TrySetResult(result);
        return null;
    }

    /// <inheritdoc/>
    public override void Cancel() => _outcome.TrySetCanceled(cancellationToken);

    /// <inheritdoc/>
    public override void Fail(Exception exception) => _outcome.TrySetException(exception);
}
