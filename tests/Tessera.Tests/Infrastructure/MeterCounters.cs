using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace Tessera.Tests.Infrastructure;

/// <summary>Collects the Tessera meter's counters of one app, summed by instrument and tags (<c>name[tag=value]</c>).</summary>
internal sealed class MeterCounters : IDisposable
{
    private readonly MeterListener _listener = new();

    /// <summary>Listens to the meter that <paramref name="app"/>'s meter factory made.</summary>
    public MeterCounters(TestApp app)
    {
        var factory = app.Services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "Tessera" && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var key = instrument.Name + string.Concat(tags.ToArray().Select(t => $"[{t.Key}={t.Value}]"));
            Values.AddOrUpdate(key, value, (_, sum) => sum + value);
        });
        _listener.SetMeasurementEventCallback<double>((instrument, _, tags, _) =>
        {
            var key = instrument.Name + string.Concat(tags.ToArray().Select(t => $"[{t.Key}={t.Value}]"));
            Values.AddOrUpdate(key, 1, (_, count) => count + 1);
        });
        _listener.Start();
    }

    public ConcurrentDictionary<string, long> Values { get; } = new();

    public long this[string key] => Values.GetValueOrDefault(key);

    public void Dispose() => _listener.Dispose();
}
