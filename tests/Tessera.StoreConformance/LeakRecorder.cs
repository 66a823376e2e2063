using System.Collections;
using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Tessera.StoreConformance;

/// <summary>
/// Records everything an app gives away about its requests: every log entry at every level (its
/// message, its state's values, its scopes, its exception), every span of every activity source
/// (its names, tags, status, events, links and baggage), and the exceptions the application
/// itself caught. <see cref="AssertNoneContains"/> then looks for secrets in all of it.
/// </summary>
public sealed class LeakRecorder : ILoggerProvider
{
    private readonly ConcurrentQueue<(string Where, string Text)> _texts = new();
    private readonly ConcurrentQueue<Exception> _exceptions = new();
    private readonly ActivityListener _listener;

    /// <summary>Starts listening to every activity source in the process.</summary>
    public LeakRecorder()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = Record,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>How many log entries were recorded, by level.</summary>
    public ConcurrentDictionary<LogLevel, int> LevelCounts { get; } = new();

    /// <summary>The names of the spans recorded.</summary>
    public ConcurrentQueue<string> Spans { get; } = new();

    /// <summary>Every exception recorded: logged ones and those the application caught.</summary>
    public IReadOnlyCollection<Exception> Exceptions => _exceptions;

    /// <summary>Starts recording the logs of a built app (every category, every level).</summary>
    public void Attach(IServiceProvider services) => services.GetRequiredService<ILoggerFactory>().AddProvider(this);

    /// <summary>Records an exception the application caught.</summary>
    public void RecordException(string where, Exception exception) => AddException(where, exception);

    /// <summary>Fails, naming where, when any secret is in any text recorded.</summary>
    public void AssertNoneContains(IEnumerable<string> secrets)
    {
        var list = secrets.Where(s => s.Length > 0).Distinct(StringComparer.Ordinal).ToArray();
        Assert.NotEmpty(list);
        var found = _texts
            .SelectMany(t => list.Where(s => t.Text.Contains(s, StringComparison.Ordinal)).Select(s => $"{t.Where}: …{Excerpt(t.Text, s)}…"))
            .Take(10)
            .ToArray();
        Assert.True(found.Length == 0, "Secrets found:" + Environment.NewLine + string.Join(Environment.NewLine, found));
    }

    /// <summary>Whether any text recorded contains <paramref name="value"/>.</summary>
    public bool AnyContains(string value) => _texts.Any(t => t.Text.Contains(value, StringComparison.Ordinal));

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() => _listener.Dispose();

    private static string Excerpt(string text, string secret)
    {
        var at = text.IndexOf(secret, StringComparison.Ordinal);
        var start = Math.Max(0, at - 60);
        return text[start..Math.Min(text.Length, at + secret.Length + 20)].ReplaceLineEndings(" ");
    }

    private void Add(string where, string? text)
    {
        if (!string.IsNullOrEmpty(text))
        {
            _texts.Enqueue((where, text));
        }
    }

    private void AddValue(string where, object? value)
    {
        switch (value)
        {
            case null:
                return;
            case string text:
                Add(where, text);
                return;
            case Exception exception:
                AddException(where, exception);
                return;
            case IEnumerable<KeyValuePair<string, object?>> pairs:
                foreach (var (key, item) in pairs)
                {
                    Add(where, key);
                    AddValue($"{where}[{key}]", item);
                }

                return;
            case IEnumerable items:
                foreach (var item in items)
                {
                    AddValue(where, item);
                }

                Add(where, value.ToString());
                return;
            default:
                Add(where, value.ToString());
                return;
        }
    }

    private void AddException(string where, Exception exception)
    {
        _exceptions.Enqueue(exception);
        Add(where + " exception ToString()", exception.ToString());
        Add(where + " exception message", exception.Message);
        Add(where + " exception stack", exception.StackTrace);
        foreach (DictionaryEntry entry in exception.Data)
        {
            AddValue(where + " exception data", entry.Key);
            AddValue(where + " exception data", entry.Value);
        }

        var inner = exception is AggregateException aggregate ? aggregate.InnerExceptions : exception.InnerException is { } one ? [one] : [];
        foreach (var next in inner)
        {
            AddException(where + " inner", next);
        }
    }

    private void Record(Activity activity)
    {
        var where = "span " + activity.OperationName;
        Spans.Enqueue(activity.OperationName);
        Add(where, activity.OperationName);
        Add(where, activity.DisplayName);
        Add(where + " status", activity.StatusDescription);
        AddValue(where + " tags", activity.TagObjects);
        AddValue(where + " baggage", activity.Baggage);
        foreach (var e in activity.Events)
        {
            Add(where + " event", e.Name);
            AddValue(where + " event tags", e.Tags);
        }

        foreach (var link in activity.Links)
        {
            AddValue(where + " link tags", link.Tags);
        }
    }

    private sealed class Logger(LeakRecorder recorder, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
        {
            recorder.AddValue($"log scope ({category})", state);
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var where = $"log {logLevel} {category} {eventId.Name}";
            recorder.LevelCounts.AddOrUpdate(logLevel, 1, (_, n) => n + 1);
            recorder.Add(where + " message", formatter(state, exception));
            recorder.AddValue(where + " state", state);
            if (exception is not null)
            {
                recorder.AddException(where, exception);
            }
        }
    }
}
