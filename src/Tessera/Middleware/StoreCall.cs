using System.Diagnostics;

namespace Tessera.Middleware;

/// <summary>The telemetry of one store call: its span (when someone listens) and its start time.</summary>
internal readonly struct StoreCall
{
    private readonly Activity? _activity;
    private readonly long _start;

    private StoreCall(string operation, Activity? activity, long start)
    {
        Operation = operation;
        _activity = activity;
        _start = start;
    }

    public string Operation { get; }

    public static StoreCall Begin(string operation, TesseraMetrics metrics) =>
        new(operation, TesseraMetrics.StartStoreActivity(operation), metrics.MeasuresStoreDuration ? Stopwatch.GetTimestamp() : 0);

    public void End(TesseraMetrics metrics)
    {
        metrics.StoreDuration(Operation, _start);
        _activity?.Dispose();
    }

    public void Fail(TesseraMetrics metrics, Exception exception)
    {
        metrics.StoreDuration(Operation, _start);
        if (_activity is not null)
        {
            _activity.SetStatus(ActivityStatusCode.Error, exception.GetType().Name);
            _activity.Dispose();
        }
    }
}
