using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Tessera.Tests.Infrastructure;

namespace Tessera.Tests.Conformance;

/// <summary>
/// express-session's <c>res.end patch</c>: Tessera wraps the response body, and other wrappers
/// of the body (installed before or after it) keep working; completing the response behaves as
/// it does without Tessera.
/// </summary>
public sealed class ResponseBodyTests
{
    // express-session #115
    [Fact]
    public async Task A_body_wrapper_installed_before_the_middleware_keeps_working()
    {
        WritePatch? patch = null;
        await using var app = await TestApp.StartAsync(
            ExpressHarness.Defaults(),
            WriteHelloWorld,
            a => a.Use((context, next) =>
            {
                patch = WritePatch.Install(context);
                return next(context);
            }));

        var response = await app.GetAsync();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("hello, world", await response.Content.ReadAsStringAsync());
        Assert.True(patch!.Ended);
    }

    // express-session #116
    [Fact]
    public async Task A_body_wrapper_installed_after_the_middleware_keeps_working()
    {
        WritePatch? patch = null;
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(), context =>
        {
            patch = WritePatch.Install(context);
            return WriteHelloWorld(context);
        });

        var response = await app.GetAsync();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("hello, world", await response.Content.ReadAsStringAsync());
        Assert.True(patch!.Ended);
    }

    // express-session #117 (on Kestrel, as express-session's test compares with a plain Node server)
    [Fact]
    public async Task Changing_the_response_after_completing_it_fails_as_without_the_middleware()
    {
        var plain = await RunOnKestrelAsync(withSessions: false);
        var withSessions = await RunOnKestrelAsync(withSessions: true);

        Assert.NotNull(plain.HeaderError);
        Assert.NotNull(plain.WriteError);
        Assert.Equal(plain.HeaderError, withSessions.HeaderError);
        Assert.Equal(plain.WriteError, withSessions.WriteError);
        Assert.Equal(plain.Status, withSessions.Status);
        Assert.Equal(plain.Body, withSessions.Body);
        Assert.Equal("connect.sid", SetCookie.Name(withSessions.SetCookie!));
    }

    private static async Task WriteHelloWorld(HttpContext context)
    {
        context.GetSession().Set("hit", true);
        context.Response.ContentLength = 12;
        await context.Response.WriteAsync("hello, ");
        await context.Response.WriteAsync("world");
        await context.Response.CompleteAsync();
    }

    /// <summary>
    /// Runs a handler that completes an empty response and then tries to set a header and to
    /// write, on a real server, with or without the session middleware.
    /// </summary>
    private static async Task<KestrelOutcome> RunOnKestrelAsync(bool withSessions)
    {
        string? headerError = null;
        string? writeError = null;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        if (withSessions)
        {
            builder.Services.AddTessera(ExpressHarness.Defaults(o => o.Secrets = ["keyboard cat"]));
        }

        await using var app = builder.Build();
        if (withSessions)
        {
            app.UseTessera();
        }

        app.Run(async context =>
        {
            await context.Response.CompleteAsync();
            try
            {
                context.Response.Headers.ContentLength = 3;
            }
            catch (InvalidOperationException ex)
            {
                headerError = ex.Message;
            }

            try
            {
                await context.Response.WriteAsync("foo");
            }
            catch (InvalidOperationException ex)
            {
                writeError = ex.Message;
            }
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        using var client = new HttpClient { BaseAddress = new Uri(address) };
        using var response = await client.GetAsync(new Uri("/", UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        await app.StopAsync();
        return new KestrelOutcome((int)response.StatusCode, body, SetCookie.First(response), headerError, writeError);
    }

    private sealed record KestrelOutcome(int Status, string Body, string? SetCookie, string? HeaderError, string? WriteError);

    /// <summary>
    /// express-session's <c>writePatch</c> as a body wrapper: it notes when the response is
    /// completed and fails any write after that.
    /// </summary>
    private sealed class WritePatch : Stream, IHttpResponseBodyFeature
    {
        private readonly IHttpResponseBodyFeature _inner;
        private System.IO.Pipelines.PipeWriter? _writer;

        private WritePatch(IHttpResponseBodyFeature inner)
        {
            _inner = inner;
        }

        public bool Ended { get; private set; }

        public static WritePatch Install(HttpContext context)
        {
            var patch = new WritePatch(context.Features.GetRequiredFeature<IHttpResponseBodyFeature>());
            context.Features.Set<IHttpResponseBodyFeature>(patch);
            return patch;
        }

        Stream IHttpResponseBodyFeature.Stream => this;

        System.IO.Pipelines.PipeWriter IHttpResponseBodyFeature.Writer => _writer ??= System.IO.Pipelines.PipeWriter.Create(this, new(leaveOpen: true));

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public void DisableBuffering() => _inner.DisableBuffering();

        public Task StartAsync(CancellationToken cancellationToken = default) => _inner.StartAsync(cancellationToken);

        public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) =>
            _inner.SendFileAsync(path, offset, count, cancellationToken);

        public async Task CompleteAsync()
        {
            if (_writer is not null)
            {
                await _writer.FlushAsync();
            }

            Ended = true;
            await _inner.CompleteAsync();
        }

        public override void Flush() => _inner.Stream.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => _inner.Stream.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            ThrowIfEnded();
            _inner.Stream.Write(buffer, offset, count);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            ThrowIfEnded();
            await _inner.Stream.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private void ThrowIfEnded()
        {
            if (Ended)
            {
                throw new InvalidOperationException("write after end");
            }
        }
    }
}
