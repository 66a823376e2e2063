using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Tessera.Middleware;

/// <summary>
/// Wraps the response body so that a client cannot see a complete response before the session
/// is stored: when the application writes the last byte of a body whose <c>Content-Length</c>
/// is known, that byte is held back until <see cref="ReleaseAsync"/> (express-session holds back
/// the last byte the same way); a small body written in one write (at most
/// <see cref="WholeBodyLimit"/> bytes) is held back whole. An application's <c>CompleteAsync</c>
/// is deferred likewise; writing after it fails, as it does without the wrapper.
/// Chunked responses need nothing: the server ends them only after the middleware returns.
/// </summary>
internal sealed class HoldbackResponseBody : Stream, IHttpResponseBodyFeature
{
    private readonly IHttpResponseBodyFeature _inner;
    private readonly HttpResponse _response;
    private HoldbackPipeWriter? _writer;
    private long _written;
    private byte? _held;
    private byte[]? _heldBody;
    private int _heldBodyLength;
    private bool _completeRequested;

    public HoldbackResponseBody(IHttpResponseBodyFeature inner, HttpResponse response)
    {
        _inner = inner;
        _response = response;
    }

    /// <summary>
    /// The largest body held back whole when one write makes all of it. It then reaches the client
    /// in one piece once the session is stored, headers included: one packet and one system call,
    /// instead of all but its last byte first and that byte in a second packet.
    /// </summary>
    internal const int WholeBodyLimit = 4096;

    public IHttpResponseBodyFeature Inner => _inner;

    /// <summary>Whether the whole body is held back: a flush has nothing to send that cannot wait for it.</summary>
    private bool HoldingBody => _heldBody is not null;

    Stream IHttpResponseBodyFeature.Stream => this;

    PipeWriter IHttpResponseBodyFeature.Writer => _writer ??= new HoldbackPipeWriter(this, _inner.Writer);

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>
    /// How many of <paramref name="count"/> bytes about to be written go through now: all; or, when
    /// they end the body, none if they are the whole of a small body, otherwise all but the last.
    /// </summary>
    private int PassThrough(int count)
    {
        if (count > 0 && _held is null && _heldBody is null && _response.ContentLength is { } length && _written + count == length)
        {
            return _written == 0 && count <= WholeBodyLimit ? 0 : count - 1;
        }

        return count;
    }

    public void DisableBuffering() => _inner.DisableBuffering();

    public Task StartAsync(CancellationToken cancellationToken = default) => _inner.StartAsync(cancellationToken);

    public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) =>
        SendFileFallback.SendFileAsync(this, path, offset, count, cancellationToken);

    public async Task CompleteAsync()
    {
        _completeRequested = true;
        if (_writer is not null)
        {
            await _writer.FlushAsync();
        }
        else
        {
            await FlushAsync();
        }
    }

    /// <summary>Sends the held-back bytes, and completes the response if the application asked to.</summary>
    public async Task ReleaseAsync()
    {
        if (_heldBody is { } body)
        {
            var length = _heldBodyLength;
            Discard();
            _inner.Writer.Write(body.AsSpan(0, length));
            ArrayPool<byte>.Shared.Return(body);
            _written += length;
            await _inner.Writer.FlushAsync();
        }
        else if (_held is { } last)
        {
            _held = null;
            var span = _inner.Writer.GetSpan(1);
            span[0] = last;
            _inner.Writer.Advance(1);
            _written++;
            await _inner.Writer.FlushAsync();
        }

        if (_completeRequested)
        {
            await _inner.CompleteAsync();
        }
    }

    /// <summary>Drops what is held back: the response ends another way (the 503 of a failed session write).</summary>
    public void Discard()
    {
        _held = null;
        _heldBody = null;
        _heldBodyLength = 0;
    }

    public override void Flush()
    {
        if (!HoldingBody)
        {
            _inner.Stream.Flush();
        }
    }

    public override Task FlushAsync(CancellationToken cancellationToken) =>
        HoldingBody ? Task.CompletedTask : _inner.Stream.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ThrowIfCompleteRequested();
        var now = PassThrough(buffer.Length);
        if (now > 0)
        {
            _inner.Stream.Write(buffer[..now]);
        }

        Account(buffer, now);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <remarks>
    /// A write the server completes at once returns without an async frame, so small writes
    /// allocate nothing in any build (a debug build makes every async method's frame an object).
    /// </remarks>
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ThrowIfCompleteRequested();
        var now = PassThrough(buffer.Length);
        if (now > 0)
        {
            var write = _inner.Stream.WriteAsync(buffer[..now], cancellationToken);
            if (!write.IsCompletedSuccessfully)
            {
                return AccountAfterAsync(write, buffer, now);
            }

            write.GetAwaiter().GetResult();
        }

        Account(buffer.Span, now);
        return default;
    }

    private async ValueTask AccountAfterAsync(ValueTask write, ReadOnlyMemory<byte> buffer, int passed)
    {
        await write;
        Account(buffer.Span, passed);
    }

    /// <summary>The application completed the response: its later writes fail, as the server's do.</summary>
    private void ThrowIfCompleteRequested()
    {
        if (_completeRequested)
        {
            throw new InvalidOperationException("Writing is not allowed after writer was completed.");
        }
    }

    private void Account(ReadOnlySpan<byte> buffer, int passed)
    {
        _written += passed;
        if (passed == buffer.Length - 1)
        {
            _held = buffer[^1];
        }
        else if (passed < buffer.Length)
        {
            _heldBody = ArrayPool<byte>.Shared.Rent(buffer.Length);
            _heldBodyLength = buffer.Length;
            buffer.CopyTo(_heldBody);
        }
    }

    private sealed class HoldbackPipeWriter(HoldbackResponseBody body, PipeWriter inner) : PipeWriter
    {
        private Memory<byte> _last;

        public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

        public override long UnflushedBytes => inner.UnflushedBytes;

        public override void Advance(int bytes)
        {
            var now = body.PassThrough(bytes);
            inner.Advance(now);
            body.Account(_last.Span[..bytes], now);
        }

        public override Memory<byte> GetMemory(int sizeHint = 0)
        {
            body.ThrowIfCompleteRequested();
            return _last = inner.GetMemory(sizeHint);
        }

        public override Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null)
        {
            // The server completes the body after the session is stored.
        }

        public override ValueTask CompleteAsync(Exception? exception = null) => ValueTask.CompletedTask;

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) =>
            body.HoldingBody ? default : inner.FlushAsync(cancellationToken);

        /// <summary>
        /// Hands the bytes to the server's own <c>WriteAsync</c>, all but the held-back byte when
        /// this write ends the body: copying them through <c>GetSpan</c> would make the server find
        /// one buffer the size of the write (a 100 MB write, a 128 MB buffer and a copy).
        /// </summary>
        public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
        {
            body.ThrowIfCompleteRequested();
            var now = body.PassThrough(source.Length);
            body.Account(source.Span, now);
            return now > 0 ? inner.WriteAsync(source[..now], cancellationToken) : FlushAsync(cancellationToken);
        }
    }
}
