using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Tessera.Tests.Infrastructure;

/// <summary>
/// Sits between the server's response body and Tessera's hold-back and passes everything on,
/// recording how many body bytes reached the server, the largest buffer asked of the server's
/// <see cref="PipeWriter"/> (and the largest it handed out), the most bytes left unflushed in it,
/// and whether the response was completed.
/// </summary>
internal sealed class RecordingResponseBody : Stream, IHttpResponseBodyFeature
{
    private readonly IHttpResponseBodyFeature _inner;
    private RecordingPipeWriter? _writer;
    private long _bytes;
    private long _unflushed;
    private long _largestUnflushed;
    private long _largestRequest;
    private long _largestBuffer;
    private int _completed;

    public RecordingResponseBody(IHttpResponseBodyFeature inner)
    {
        _inner = inner;
    }

    /// <summary>How many body bytes were passed to the server.</summary>
    public long Bytes => Volatile.Read(ref _bytes);

    /// <summary>The largest size hint given to the server's <c>GetMemory</c> or <c>GetSpan</c>.</summary>
    public long LargestRequest => Volatile.Read(ref _largestRequest);

    /// <summary>The largest buffer the server's <c>GetMemory</c> or <c>GetSpan</c> returned.</summary>
    public long LargestBuffer => Volatile.Read(ref _largestBuffer);

    /// <summary>The most bytes advanced into the server's writer without a flush.</summary>
    public long LargestUnflushed => Volatile.Read(ref _largestUnflushed);

    /// <summary>Whether the response was completed through this feature.</summary>
    public bool Completed => Volatile.Read(ref _completed) != 0;

    Stream IHttpResponseBodyFeature.Stream => this;

    PipeWriter IHttpResponseBodyFeature.Writer => _writer ??= new RecordingPipeWriter(this, _inner.Writer);

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>Puts a recorder under the body of the request, for the rest of the pipeline.</summary>
    public static RecordingResponseBody Install(HttpContext context)
    {
        var recorder = new RecordingResponseBody(context.Features.GetRequiredFeature<IHttpResponseBodyFeature>());
        context.Features.Set<IHttpResponseBodyFeature>(recorder);
        return recorder;
    }

    public void DisableBuffering() => _inner.DisableBuffering();

    public Task StartAsync(CancellationToken cancellationToken = default) => _inner.StartAsync(cancellationToken);

    public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) =>
        SendFileFallback.SendFileAsync(this, path, offset, count, cancellationToken);

    public Task CompleteAsync()
    {
        Volatile.Write(ref _completed, 1);
        return _inner.CompleteAsync();
    }

    public override void Flush()
    {
        Flushed();
        _inner.Stream.Flush();
    }

    public override Task FlushAsync(CancellationToken cancellationToken)
    {
        Flushed();
        return _inner.Stream.FlushAsync(cancellationToken);
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Written(buffer.Length);
        _inner.Stream.Write(buffer);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Written(buffer.Length);
        return _inner.Stream.WriteAsync(buffer, cancellationToken);
    }

    private void Written(long count) => Volatile.Write(ref _bytes, _bytes + count);

    private void Requested(int sizeHint, int length)
    {
        Volatile.Write(ref _largestRequest, Math.Max(_largestRequest, sizeHint));
        Volatile.Write(ref _largestBuffer, Math.Max(_largestBuffer, length));
    }

    private void Advanced(int count)
    {
        Written(count);
        _unflushed += count;
        Volatile.Write(ref _largestUnflushed, Math.Max(_largestUnflushed, _unflushed));
    }

    private void Flushed() => _unflushed = 0;

    private sealed class RecordingPipeWriter(RecordingResponseBody body, PipeWriter inner) : PipeWriter
    {
        public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

        public override long UnflushedBytes => inner.UnflushedBytes;

        public override void Advance(int bytes)
        {
            body.Advanced(bytes);
            inner.Advance(bytes);
        }

        public override Memory<byte> GetMemory(int sizeHint = 0)
        {
            var memory = inner.GetMemory(sizeHint);
            body.Requested(sizeHint, memory.Length);
            return memory;
        }

        public override Span<byte> GetSpan(int sizeHint = 0)
        {
            var span = inner.GetSpan(sizeHint);
            body.Requested(sizeHint, span.Length);
            return span;
        }

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            body.Flushed();
            return inner.FlushAsync(cancellationToken);
        }

        public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
        {
            body.Written(source.Length);
            body.Flushed();
            return inner.WriteAsync(source, cancellationToken);
        }
    }
}
