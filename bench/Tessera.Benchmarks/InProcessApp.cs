using System.IO.Pipelines;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Tessera.Benchmarks;

/// <summary>
/// A middleware pipeline run in-process without a server or a test host: each request is a
/// fresh <see cref="DefaultHttpContext"/> over a response that, like Kestrel's, runs the
/// <c>OnStarting</c> callbacks when the body is first written or flushed (or at the end).
/// </summary>
public sealed class InProcessApp : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly RequestDelegate _pipeline;

    private InProcessApp(ServiceProvider services, RequestDelegate pipeline)
    {
        _services = services;
        _pipeline = pipeline;
    }

    /// <summary>Builds the pipeline: Tessera (when <paramref name="withTessera"/>) and then <paramref name="handler"/>.</summary>
    public static InProcessApp Create(bool withTessera, RequestDelegate handler, Action<TesseraBuilder>? configureStore = null)
    {
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.ClearProviders());
        if (withTessera)
        {
            var tessera = services.AddTessera(o =>
            {
                o.Secrets = [TypicalSession.Secret];
                o.Cookie.MaxAge = TypicalSession.MaxAge;
            });
            configureStore?.Invoke(tessera);
        }

        var provider = services.BuildServiceProvider();
        var app = new ApplicationBuilder(provider);
        if (withTessera)
        {
            app.UseTessera();
        }

        app.Run(handler);
        return new InProcessApp(provider, app.Build());
    }

    /// <summary>Runs one GET request; returns the response's session cookie (<c>name=value</c>) if it set one.</summary>
    public async Task<string?> SendForCookieAsync(string path, string? cookie)
    {
        var response = await SendCoreAsync(path, cookie);
        var setCookie = response.Headers.SetCookie.ToString();
        return setCookie.Length == 0 ? null : setCookie[..setCookie.IndexOf(';', StringComparison.Ordinal)];
    }

    /// <summary>Runs one GET request.</summary>
    public async Task SendAsync(string path, string? cookie) => await SendCoreAsync(path, cookie);

    /// <summary>
    /// The cookies of <paramref name="count"/> sessions made by new visitors, one after another:
    /// the returning visitors of a benchmark.
    /// </summary>
    public async Task<string[]> NewSessionCookiesAsync(int count)
    {
        var cookies = new string[count];
        for (var i = 0; i < count; i++)
        {
            cookies[i] = await SendForCookieAsync("/new", cookie: null) ?? throw new InvalidOperationException("A new session had no cookie.");
        }

        return cookies;
    }

    /// <summary>Cookies of the same size as <paramref name="cookies"/> that name no session, for a baseline without sessions.</summary>
    public static string[] SameSizeCookies(string[] cookies) => [.. cookies.Select(c => c[..^4] + "abcd")];

    private async ValueTask<InProcessResponse> SendCoreAsync(string path, string? cookie)
    {
        // Sized as a server's are, so that what the middleware adds does not grow them.
        var features = new FeatureCollection(initialCapacity: 12);
        var request = new HttpRequestFeature
        {
            Method = HttpMethods.Get,
            Scheme = "http",
            Path = path,
            Protocol = "HTTP/1.1",
            Headers = new HeaderDictionary(capacity: 8),
        };
        request.Headers.Host = "127.0.0.1";
        if (cookie is not null)
        {
            request.Headers.Cookie = cookie;
        }

        var response = new InProcessResponse();
        features.Set<IHttpRequestFeature>(request);
        features.Set<IHttpResponseFeature>(response);
        features.Set<IHttpResponseBodyFeature>(response);
        var context = new DefaultHttpContext(features) { RequestServices = _services };
        await _pipeline(context);
        await response.EndAsync();
        if (response.StatusCode != StatusCodes.Status200OK)
        {
            throw new InvalidOperationException($"GET {path} answered {response.StatusCode}.");
        }

        return response;
    }

    public ValueTask DisposeAsync() => _services.DisposeAsync();

    /// <summary>The response: headers, a body that discards what is written, and Kestrel's OnStarting/OnCompleted order.</summary>
    private sealed class InProcessResponse : Stream, IHttpResponseFeature, IHttpResponseBodyFeature
    {
        private readonly List<KeyValuePair<Func<object, Task>, object>> _onStarting = [];
        private readonly List<KeyValuePair<Func<object, Task>, object>> _onCompleted = [];
        private DiscardingWriter? _writer;

        public int StatusCode { get; set; } = StatusCodes.Status200OK;

        public string? ReasonPhrase { get; set; }

        public IHeaderDictionary Headers { get; set; } = new HeaderDictionary(capacity: 8);

        public Stream Body { get => this; set => throw new NotSupportedException(); }

        public bool HasStarted { get; private set; }

        public Stream Stream => this;

        public PipeWriter Writer => _writer ??= new DiscardingWriter(this);

        public long BytesWritten { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public void OnStarting(Func<object, Task> callback, object state)
        {
            if (HasStarted)
            {
                throw new InvalidOperationException("The response has started.");
            }

            _onStarting.Add(new(callback, state));
        }

        public void OnCompleted(Func<object, Task> callback, object state) => _onCompleted.Add(new(callback, state));

        public async ValueTask StartIfNeededAsync()
        {
            if (HasStarted)
            {
                return;
            }

            // Kestrel runs them last registered first.
            for (var i = _onStarting.Count - 1; i >= 0; i--)
            {
                await _onStarting[i].Key(_onStarting[i].Value);
            }

            HasStarted = true;
        }

        public async Task EndAsync()
        {
            await StartIfNeededAsync();
            for (var i = _onCompleted.Count - 1; i >= 0; i--)
            {
                await _onCompleted[i].Key(_onCompleted[i].Value);
            }
        }

        public void DisableBuffering()
        {
        }

        public Task StartAsync(CancellationToken cancellationToken = default) => StartIfNeededAsync().AsTask();

        public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task CompleteAsync() => StartAsync();

        public override void Flush() => StartIfNeededAsync().AsTask().GetAwaiter().GetResult();

        public override Task FlushAsync(CancellationToken cancellationToken) => StartAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            Flush();
            BytesWritten += buffer.Length;
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await StartIfNeededAsync();
            BytesWritten += buffer.Length;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private sealed class DiscardingWriter(InProcessResponse response) : PipeWriter
        {
            // What is written is discarded, so every response can share one buffer.
            private static readonly byte[] Buffer = new byte[4096];
            private long _unflushed;

            public override bool CanGetUnflushedBytes => true;

            public override long UnflushedBytes => _unflushed;

            public override void Advance(int bytes) => _unflushed += bytes;

            public override Memory<byte> GetMemory(int sizeHint = 0) => sizeHint <= Buffer.Length ? Buffer : new byte[sizeHint];

            public override Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

            public override void CancelPendingFlush()
            {
            }

            public override void Complete(Exception? exception = null)
            {
            }

            public override async ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
            {
                await response.StartIfNeededAsync();
                response.BytesWritten += _unflushed;
                _unflushed = 0;
                return default;
            }
        }
    }
}
