using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Tessera;

/// <summary>
/// Reports the memory store's evictions of live sessions: every one on the
/// <c>tessera.memory_store.evictions</c> counter, and a Warning at most once per
/// <see cref="WarningInterval"/> with how many were evicted since the previous one (so a flood
/// that evicts a session per request writes one line a minute, not one per request).
/// Used outside the store's lock; only stores that evict call it.
/// </summary>
internal sealed class MemoryStoreEvictions : IDisposable
{
    public const string CounterName = "tessera.memory_store.evictions";

    /// <summary>The shortest time between two Warnings.</summary>
    public static readonly TimeSpan WarningInterval = TimeSpan.FromMinutes(1);

    private readonly Lock _lock = new();
    private readonly ILogger _logger;
    private readonly Meter? _ownedMeter;
    private readonly Counter<long> _evictions;
    private readonly int _maxSessions;
    private long _unreported;
    private long _nextWarningTicks = long.MinValue;

    public MemoryStoreEvictions(int maxSessions, ILogger? logger, IMeterFactory? meterFactory)
    {
        _maxSessions = maxSessions;
        _logger = logger ?? NullLogger.Instance;
        Meter meter;
        if (meterFactory is not null)
        {
            meter = meterFactory.Create(Middleware.TesseraMetrics.Name); // the factory owns it
        }
        else
        {
            meter = _ownedMeter = new Meter(Middleware.TesseraMetrics.Name);
        }

        _evictions = meter.CreateCounter<long>(CounterName, "{session}", "Live sessions the memory store evicted to stay within MaxSessions.");
    }

    /// <summary>Counts <paramref name="count"/> evictions at <paramref name="nowTicks"/>, and warns if no Warning was logged within the interval.</summary>
    public void Evicted(int count, long nowTicks)
    {
        _evictions.Add(count);
        long report;
        lock (_lock)
        {
            _unreported += count;
            if (nowTicks < _nextWarningTicks)
            {
                return;
            }

            report = TakeUnreported(nowTicks);
        }

        MemoryStoreLog.SessionsEvicted(_logger, _maxSessions, report);
    }

    /// <summary>Logs the evictions not yet reported once the interval has passed (the store's sweep calls it), so a flood's last minute is reported too.</summary>
    public void Flush(long nowTicks)
    {
        long report;
        lock (_lock)
        {
            if (_unreported == 0 || nowTicks < _nextWarningTicks)
            {
                return;
            }

            report = TakeUnreported(nowTicks);
        }

        MemoryStoreLog.SessionsEvicted(_logger, _maxSessions, report);
    }

    public void Dispose() => _ownedMeter?.Dispose();

    private long TakeUnreported(long nowTicks)
    {
        var report = _unreported;
        _unreported = 0;
        _nextWarningTicks = nowTicks + WarningInterval.Ticks;
        return report;
    }
}
