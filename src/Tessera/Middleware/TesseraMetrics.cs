using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Tessera.Middleware;

/// <summary>
/// The <see cref="TesseraTelemetry.MeterName"/> meter (counters of the session lifecycle and store
/// errors, a histogram of store latency) and the <see cref="TesseraTelemetry.ActivitySourceName"/>
/// activity source (a span per store call).
/// </summary>
internal sealed class TesseraMetrics
{
    public const string Name = TesseraTelemetry.MeterName;

    /// <summary>OpenTelemetry's attribute for the class of error of a failed operation.</summary>
    public const string ErrorTypeTag = "error.type";

    /// <summary>
    /// Bucket boundaries of <c>tessera.store.duration</c>, in seconds: from 100 µs (an in-process
    /// store) through the milliseconds of a network store to 5 s (past the default store timeout).
    /// </summary>
    internal static readonly IReadOnlyList<double> StoreDurationBuckets =
        [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

    private static readonly ActivitySource Source = new(TesseraTelemetry.ActivitySourceName);

    private readonly Counter<long> _created;
    private readonly Counter<long> _loaded;
    private readonly Counter<long> _saved;
    private readonly Counter<long> _touched;
    private readonly Counter<long> _renewed;
    private readonly Counter<long> _destroyed;
    private readonly Counter<long> _rejectedCookies;
    private readonly Counter<long> _storeErrors;
    private readonly Counter<long> _writeConflicts;
    private readonly Counter<long> _commitsDropped;
    private readonly Histogram<double> _storeDuration;

    public TesseraMetrics(IMeterFactory? meterFactory)
    {
        var meter = meterFactory?.Create(Name) ?? new Meter(Name);
        _created = meter.CreateCounter<long>("tessera.session.created", "{session}", "New sessions stored.");
        _loaded = meter.CreateCounter<long>("tessera.session.loaded", "{session}", "Sessions loaded from the store for a request.");
        _saved = meter.CreateCounter<long>("tessera.session.saved", "{session}", "Session documents written to the store.");
        _touched = meter.CreateCounter<long>("tessera.session.touched", "{session}", "Expiry refreshes without a rewrite (store touch).");
        _renewed = meter.CreateCounter<long>("tessera.session.renewed", "{session}", "Session IDs renewed.");
        _destroyed = meter.CreateCounter<long>("tessera.session.destroyed", "{session}", "Sessions destroyed.");
        _rejectedCookies = meter.CreateCounter<long>("tessera.cookie.rejected", "{cookie}", "Session cookies ignored, by reason (tessera.reason): unsigned, malformed, bad_signature, bad_id, not_found (unknown or expired session).");
        _storeErrors = meter.CreateCounter<long>("tessera.store.errors", "{error}", "Store calls that failed or timed out.");
        _writeConflicts = meter.CreateCounter<long>("tessera.session.write_conflicts", "{conflict}", "Conditional writes that found the stored session changed and re-applied this request's changes.");
        _commitsDropped = meter.CreateCounter<long>("tessera.session.commits_dropped", "{commit}", "Writes dropped because the session was destroyed or renewed by another request.");
        _storeDuration = meter.CreateHistogram(
            "tessera.store.duration",
            "s",
            "How long store calls take.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = StoreDurationBuckets });
    }

    public void Created() => _created.Add(1);

    public void Loaded() => _loaded.Add(1);

    public void Saved() => _saved.Add(1);

    public void Touched() => _touched.Add(1);

    public void Renewed() => _renewed.Add(1);

    public void Destroyed(SessionEndReason reason)
    {
        if (_destroyed.Enabled)
        {
            _destroyed.Add(1, new KeyValuePair<string, object?>("tessera.reason", ReasonName(reason)));
        }
    }

    public void RejectedCookie(string reason)
    {
        if (_rejectedCookies.Enabled)
        {
            _rejectedCookies.Add(1, new KeyValuePair<string, object?>("tessera.reason", reason));
        }
    }

    public void StoreError(string operation)
    {
        if (_storeErrors.Enabled)
        {
            _storeErrors.Add(1, new KeyValuePair<string, object?>("tessera.store.operation", operation));
        }
    }

    public void WriteConflict() => _writeConflicts.Add(1);

    public void CommitDropped() => _commitsDropped.Add(1);

    /// <summary>Starts the span of a store call, or null when nobody listens.</summary>
    public static Activity? StartStoreActivity(string operation)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var activity = Source.StartActivity(ActivityName(operation), ActivityKind.Client);
        activity?.SetTag("tessera.store.operation", operation);
        return activity;
    }

    private static string ActivityName(string operation) => operation switch
    {
        "load" => "tessera.store.load",
        "save" => "tessera.store.save",
        "touch" => "tessera.store.touch",
        "destroy" => "tessera.store.destroy",
        _ => "tessera.store." + operation,
    };

    public bool MeasuresStoreDuration => _storeDuration.Enabled;

    /// <summary>
    /// Records a store call's duration; a call begun while nobody listened (start 0) is not recorded.
    /// A failed call carries <c>error.type</c> (<paramref name="errorType"/>).
    /// </summary>
    public void StoreDuration(string operation, long startTimestamp, string? errorType = null)
    {
        if (startTimestamp != 0 && _storeDuration.Enabled)
        {
            var elapsed = Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds;
            var operationTag = new KeyValuePair<string, object?>("tessera.store.operation", operation);
            if (errorType is null)
            {
                _storeDuration.Record(elapsed, operationTag);
            }
            else
            {
                _storeDuration.Record(elapsed, operationTag, new KeyValuePair<string, object?>(ErrorTypeTag, errorType));
            }
        }
    }

    /// <summary>
    /// The <c>error.type</c> of a failed store call: the exception's full type name (never its
    /// message, which may name the session's key), or <see cref="TimeoutException"/>'s when the
    /// call ran out of the store timeout.
    /// </summary>
    public static string ErrorType(Exception exception, bool timedOut) =>
        timedOut ? typeof(TimeoutException).FullName! : exception.GetType().FullName ?? exception.GetType().Name;

    private static string ReasonName(SessionEndReason reason) => reason switch
    {
        SessionEndReason.Destroyed => "destroyed",
        SessionEndReason.Unset => "unset",
        SessionEndReason.AbsoluteTimeout => "absolute_timeout",
        SessionEndReason.Revoked => "revoked",
        SessionEndReason.IdleTimeout => "idle_timeout",
        _ => "other",
    };
}
