using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Tessera.Tests.Infrastructure;

namespace Tessera.Tests.Observability;

/// <summary>The public telemetry names, the store-duration buckets and <c>error.type</c> of failed store calls.</summary>
[Collection(nameof(TelemetryTests))]
public sealed class TelemetryNamingTests
{
    private static readonly double[] ExpectedBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

    /// <summary>A store whose writes fail with a message that names the session ID.</summary>
    private sealed class FailingWriteStore : ISessionStore, IDisposable
    {
        private readonly MemoryStore _inner = new();

        public ValueTask<SessionData?> GetAsync(string key, CancellationToken cancellationToken = default) => _inner.GetAsync(key, cancellationToken);

        public ValueTask<object?> SetAsync(string key, SessionData data, CancellationToken cancellationToken = default) =>
            throw new IOException($"write of {key} refused");

        public ValueTask DestroyAsync(string key, CancellationToken cancellationToken = default) => _inner.DestroyAsync(key, cancellationToken);

        public void Dispose() => _inner.Dispose();
    }

    private static Task<TestApp> StartAsync(ISessionStore? store = null, ErrorSink? errors = null) => TestApp.StartAsync(
        null,
        context =>
        {
            context.GetSession().Set("n", 1); // saved at the end, before the (empty) response starts
            return Task.CompletedTask;
        },
        errors is null ? null : errors.Install,
        store);

    /// <summary>Listens to the instruments of <paramref name="app"/>'s meter factory.</summary>
    private static MeterListener Listen(TestApp app, Action<Instrument> published, MeasurementCallback<double>? measured = null)
    {
        var factory = app.Services.GetRequiredService<IMeterFactory>();
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    published(instrument);
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        if (measured is not null)
        {
            listener.SetMeasurementEventCallback(measured);
        }

        listener.Start();
        return listener;
    }

    [Fact]
    public async Task The_store_duration_histogram_advises_bucket_boundaries_from_100_microseconds_to_5_seconds()
    {
        await using var app = await StartAsync();
        IReadOnlyList<double>? buckets = null;
        using var listener = Listen(app, instrument =>
        {
            if (instrument is Histogram<double> { Name: "tessera.store.duration" } histogram)
            {
                buckets = histogram.Advice?.HistogramBucketBoundaries;
            }
        });

        Assert.NotNull(buckets);
        Assert.Equal(ExpectedBuckets, buckets);
    }

    [Fact]
    public async Task The_public_meter_name_is_the_name_of_the_meter_that_Tessera_measures_with()
    {
        await using var app = await StartAsync();
        var meters = new ConcurrentBag<string>();
        using var listener = Listen(app, instrument =>
        {
            if (instrument.Name.StartsWith("tessera.", StringComparison.Ordinal))
            {
                meters.Add(instrument.Meter.Name);
            }
        });

        await app.GetAsync("/");

        Assert.NotEmpty(meters);
        Assert.All(meters, name => Assert.Equal(TesseraTelemetry.MeterName, name));
    }

    [Fact]
    public async Task The_public_activity_source_name_is_the_source_of_the_store_call_spans()
    {
        await using var app = await StartAsync();
        var spans = new ConcurrentQueue<string>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == TesseraTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => spans.Enqueue(activity.OperationName),
        };
        ActivitySource.AddActivityListener(listener);

        await app.GetAsync("/");

        Assert.Contains("tessera.store.save", spans);
    }

    [Fact]
    public async Task A_failed_store_call_carries_error_type_on_its_span_and_its_duration_but_never_the_message()
    {
        var errors = new ErrorSink();
        using var store = new FailingWriteStore();
        await using var app = await StartAsync(store, errors);
        var spanTags = new ConcurrentQueue<KeyValuePair<string, string?>[]>();
        using var activities = new ActivityListener
        {
            ShouldListenTo = source => source.Name == TesseraTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => spanTags.Enqueue([.. activity.Tags]),
        };
        ActivitySource.AddActivityListener(activities);
        var durationTags = new ConcurrentQueue<KeyValuePair<string, object?>[]>();
        using var meters = Listen(app, _ => { }, (instrument, _, tags, _) =>
        {
            if (instrument.Name == "tessera.store.duration")
            {
                durationTags.Enqueue(tags.ToArray());
            }
        });

        var response = await app.GetAsync("/");

        Assert.Equal(System.Net.HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.IsType<SessionStoreException>(Assert.Single(errors.Errors));
        var span = Assert.Single(spanTags);
        Assert.Contains(new KeyValuePair<string, string?>("error.type", "System.IO.IOException"), span);
        var duration = Assert.Single(durationTags);
        Assert.Contains(new KeyValuePair<string, object?>("error.type", "System.IO.IOException"), duration);
        Assert.Contains(new KeyValuePair<string, object?>("tessera.store.operation", "save"), duration);
        Assert.DoesNotContain(span, tag => tag.Value?.Contains("refused", StringComparison.Ordinal) == true);
        Assert.DoesNotContain(duration, tag => tag.Value is string text && text.Contains("refused", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_successful_store_call_has_no_error_type()
    {
        await using var app = await StartAsync();
        var durationTags = new ConcurrentQueue<KeyValuePair<string, object?>[]>();
        using var meters = Listen(app, _ => { }, (instrument, _, tags, _) =>
        {
            if (instrument.Name == "tessera.store.duration")
            {
                durationTags.Enqueue(tags.ToArray());
            }
        });

        await app.GetAsync("/");

        Assert.NotEmpty(durationTags);
        Assert.All(durationTags, tags => Assert.DoesNotContain(tags, tag => tag.Key == "error.type"));
    }
}
