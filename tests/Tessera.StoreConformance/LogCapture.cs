using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Tessera.StoreConformance;

/// <summary>A logger provider that keeps every entry, for tests that check what was logged.</summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<(int EventId, TaskCompletionSource Logged)> _waiters = new();

    public ConcurrentQueue<(string Category, LogLevel Level, EventId EventId, string Message)> Entries { get; } = new();

    /// <summary>Completes when an entry with the event ID has been logged, or at once if one was.</summary>
    public Task WhenLogged(int eventId)
    {
        var logged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiters.Enqueue((eventId, logged));
        if (Entries.Any(entry => entry.EventId.Id == eventId))
        {
            logged.TrySetResult();
        }

        return logged.Task;
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            capture.Entries.Enqueue((category, logLevel, eventId, formatter(state, exception)));
            foreach (var (id, logged) in capture._waiters)
            {
                if (id == eventId.Id)
                {
                    logged.TrySetResult();
                }
            }
        }
    }
}
