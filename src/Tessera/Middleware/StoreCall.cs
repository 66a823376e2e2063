using System.Diagnostics;

namespace Tessera.Middleware;

/// <summary>The telemetry of one store call: its span (when someone listens) and its start time.</summary>
internal readonly struct StoreCall
{
    private readonly Activity? _activity;
    private readonly long _start;

    private StoreCall(string operation, string? key, Activity? activity, long start)
    {
        Operation = operation;
        Key = key;
        _activity = activity;
        _start = start;
    }

    public string Operation { get; }

    /// <summary>The store key of the call (null for a call about a user), for redaction should it fail.</summary>
    public string? Key { get; }

    public static StoreCall Begin(string operation, string? key, TesseraMetrics metrics) =>
        new(operation, key, TesseraMetrics.StartStoreActivity(operation), metrics.MeasuresStoreDuration ? Stopwatch.GetTimestamp() : 0);

    public void End(TesseraMetrics metrics)
    {
        metrics.StoreDuration(Operation, _start);
        _activity?.Dispose();
    }

    /// <summary>Ends a failed call: its span and duration carry <c>error.type</c>. <paramref name="timedOut"/>: it ran out of the store timeout.</summary>
    public void Fail(TesseraMetrics metrics, Exception exception, bool timedOut)
    {
        // The exception's type name only: its message may name the session's key.
        var errorType = TesseraMetrics.ErrorType(exception, timedOut);
        metrics.StoreDuration(Operation, _start, errorType);
        if (_activity is not null)
        {
            _activity.SetTag(TesseraMetrics.ErrorTypeTag, errorType);
            _activity.SetStatus(ActivityStatusCode.Error, exception.GetType().Name);
            _activity.Dispose();
        }
    }
}
