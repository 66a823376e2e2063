using System.Diagnostics.Metrics;

namespace Tessera.Middleware;

/// <summary>The <c>Tessera</c> meter's instruments.</summary>
internal sealed class TesseraMetrics
{
    public const string MeterName = "Tessera";

    private readonly Counter<long> _storeErrors;
    private readonly Counter<long> _writeConflicts;
    private readonly Counter<long> _commitsDropped;

    public TesseraMetrics(IMeterFactory? meterFactory)
    {
        var meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _storeErrors = meter.CreateCounter<long>("tessera.store.errors", "{error}", "Store calls that failed or timed out.");
        _writeConflicts = meter.CreateCounter<long>("tessera.session.write_conflicts", "{conflict}", "Conditional writes that found the stored session changed and re-applied this request's changes.");
        _commitsDropped = meter.CreateCounter<long>("tessera.session.commits_dropped", "{commit}", "Writes dropped because the session was destroyed or renewed by another request.");
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
}
