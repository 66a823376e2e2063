using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Tessera.StoreConformance;

namespace Tessera.Tests.Infrastructure;

/// <summary>
/// A Tessera app on Kestrel whose store holds the session write at a gate, with a
/// <see cref="RecordingResponseBody"/> between Kestrel's response body and Tessera's hold-back:
/// a test sees what the client receives and what reached the server while the session is being stored.
/// </summary>
internal sealed class HoldbackApp : IAsyncDisposable
{
    private readonly KestrelSessionApp _app;
    private RecordingResponseBody? _server;

    private HoldbackApp(KestrelSessionApp app, GatedWriteStore store)
    {
        _app = app;
        Store = store;
    }

    /// <summary>The store, whose writes wait for <see cref="GatedWriteStore.Release"/>.</summary>
    public GatedWriteStore Store { get; }

    /// <summary>What the last request's response passed to Kestrel.</summary>
    public RecordingResponseBody Server => Volatile.Read(ref _server) ?? throw new InvalidOperationException("No request has reached the app.");

    /// <summary>Starts the app; <paramref name="endpoint"/> handles every request.</summary>
    public static async Task<HoldbackApp> StartAsync(RequestDelegate endpoint)
    {
        var store = new GatedWriteStore();
        HoldbackApp? holdbackApp = null;
        var app = await KestrelSessionApp.StartAsync(
            store,
            configure: null,
            endpoints: a => a.Run(endpoint),
            beforeSessions: a => a.Use(async (context, next) =>
            {
                var original = context.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
                Volatile.Write(ref holdbackApp!._server, RecordingResponseBody.Install(context));
                try
                {
                    await next(context);
                }
                finally
                {
                    context.Features.Set(original);
                }
            }));
        holdbackApp = new HoldbackApp(app, store);
        return holdbackApp;
    }

    /// <summary>Sends a GET and returns once the response's headers have arrived.</summary>
    public Task<ReceivedBody> GetAsync() => ReceivedBody.GetAsync(_app.Client);

    public ValueTask DisposeAsync()
    {
        Store.Release.Open();
        return _app.DisposeAsync();
    }
}
