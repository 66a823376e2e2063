using Microsoft.Data.Sqlite;

namespace Tessera;

/// <summary>
/// One piece of work queued for a <see cref="SqliteWriter"/>: run on its thread with its
/// connection, skipped when cancelled before it starts, or failed when the writer stops first.
/// </summary>
internal abstract class SqliteWork
{
    /// <summary>Whether the caller gave up before the work started: it is then not run.</summary>
    public abstract bool IsCancellationRequested { get; }

    /// <summary>Runs the work on the writer's connection and completes its task with the outcome.</summary>
    /// <param name="connection">The writer's open connection.</param>
    /// <returns>The exception the work failed with, or <see langword="null"/>.</returns>
    public abstract Exception? Run(SqliteConnection connection);

    /// <summary>Completes the task as cancelled, without running the work.</summary>
    public abstract void Cancel();

    /// <summary>Completes the task with an exception, without running the work.</summary>
    /// <param name="exception">Why the work was not run.</param>
    public abstract void Fail(Exception exception);
}
