using System.Buffers;
using Microsoft.AspNetCore.Http;
using Tessera.StoreConformance;
using Tessera.Tests.Infrastructure;

namespace Tessera.Tests.Middleware;

/// <summary>
/// Over real HTTP, every way of writing a body goes through the hold-back: the client gets
/// every byte, and the last byte of a body with a Content-Length reaches the server only after
/// the session is stored (it has not reached the server while the store's write is held).
/// </summary>
public sealed class HoldbackWritePathTests
{
    public enum SegmentWriter
    {
        PipeWriterWriteAsync,
        BufferWriterWrite,
        StreamWriteAsync,
    }

    public enum Writer
    {
        PipeWriter,
        Stream,
    }

    [Theory]
    [InlineData(SegmentWriter.PipeWriterWriteAsync)]
    [InlineData(SegmentWriter.BufferWriterWrite)]
    [InlineData(SegmentWriter.StreamWriteAsync)]
    public async Task A_body_written_as_a_sequence_of_several_segments_arrives_whole_with_its_last_byte_after_the_session_is_stored(SegmentWriter writer)
    {
        var sequence = BufferSegment.Sequence(BodyPattern.Bytes(0, 5000), BodyPattern.Bytes(5000, 3), BodyPattern.Bytes(5003, 9000));
        Assert.False(sequence.IsSingleSegment);
        await using var app = await HoldbackApp.StartAsync(async context =>
        {
            context.GetSession().Set("views", 1);
            context.Response.ContentLength = sequence.Length;
            switch (writer)
            {
                case SegmentWriter.PipeWriterWriteAsync:
                    foreach (var segment in sequence)
                    {
                        await context.Response.BodyWriter.WriteAsync(segment);
                    }

                    break;
                case SegmentWriter.BufferWriterWrite:
                    // Each segment is copied through as many GetSpan/Advance calls as the server's buffers need.
                    foreach (var segment in sequence)
                    {
                        context.Response.BodyWriter.Write(segment.Span);
                    }

                    await context.Response.BodyWriter.FlushAsync();
                    break;
                case SegmentWriter.StreamWriteAsync:
                    foreach (var segment in sequence)
                    {
                        await context.Response.Body.WriteAsync(segment);
                    }

                    break;
            }
        });

        await AssertLastByteFollowsTheSessionWriteAsync(app, sequence.Length);
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, true)]
    [InlineData(777, false)]
    [InlineData(10_000, false)]
    [InlineData(10_000, true)]
    public async Task GetMemory_and_Advance_over_the_last_byte_hold_it_until_the_session_is_stored(int lastAdvance, bool span)
    {
        const int size = 10_000;
        await using var app = await HoldbackApp.StartAsync(async context =>
        {
            context.GetSession().Set("views", 1);
            context.Response.ContentLength = size;
            var writer = context.Response.BodyWriter;
            var offset = 0L;
            while (offset < size - lastAdvance)
            {
                var memory = writer.GetMemory();
                var count = (int)Math.Min(memory.Length, size - lastAdvance - offset);
                BodyPattern.Bytes(offset, count).CopyTo(memory);
                writer.Advance(count);
                offset += count;
            }

            var last = span ? writer.GetSpan(lastAdvance) : writer.GetMemory(lastAdvance).Span;
            BodyPattern.Bytes(offset, lastAdvance).CopyTo(last);
            writer.Advance(lastAdvance);
            await writer.FlushAsync();
        });

        await AssertLastByteFollowsTheSessionWriteAsync(app, size);
    }

    [Theory]
    [InlineData(0, null, 200_003)]
    [InlineData(1000, 150_000L, 151_500)]
    public async Task A_file_sent_with_a_content_length_arrives_whole_with_its_last_byte_after_the_session_is_stored(long offset, long? count, int fileSize)
    {
        var path = Path.GetTempFileName();
        try
        {
            // The file holds the body's bytes at [offset, offset + count), and other bytes around them.
            var length = count ?? fileSize - offset;
            var file = new byte[fileSize];
            Array.Fill(file, (byte)0xFF);
            BodyPattern.Bytes(0, (int)length).CopyTo(file, (int)offset);
            await File.WriteAllBytesAsync(path, file);
            await using var app = await HoldbackApp.StartAsync(async context =>
            {
                context.GetSession().Set("views", 1);
                context.Response.ContentLength = length;
                await context.Response.SendFileAsync(path, offset, count);
            });

            await AssertLastByteFollowsTheSessionWriteAsync(app, length);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(Writer.PipeWriter)]
    [InlineData(Writer.Stream)]
    public async Task A_streamed_response_without_a_content_length_reaches_the_client_at_each_flush_and_nothing_is_held_back(Writer writer)
    {
        const int chunks = 5;
        const int chunkSize = 3001;
        var chunkRead = Enumerable.Range(0, chunks).Select(i => new Gate($"the client to read chunk {i}")).ToArray();
        await using var app = await HoldbackApp.StartAsync(async context =>
        {
            context.GetSession().Set("views", 1);
            for (var i = 0; i < chunks; i++)
            {
                var chunk = BodyPattern.Bytes(i * chunkSize, chunkSize);
                if (writer == Writer.PipeWriter)
                {
                    chunk.CopyTo(context.Response.BodyWriter.GetMemory(chunkSize));
                    context.Response.BodyWriter.Advance(chunkSize);
                    await context.Response.BodyWriter.FlushAsync();
                }
                else
                {
                    await context.Response.Body.WriteAsync(chunk);
                    await context.Response.Body.FlushAsync();
                }

                // The next chunk is written only once the client has this one: each flush went through.
                await chunkRead[i].WaitAsync();
            }
        });

        using var body = await app.GetAsync();
        for (var i = 0; i < chunks; i++)
        {
            await body.ReadAsync(chunkSize);
            chunkRead[i].Open();
        }

        await app.Store.WriteStarted.WaitAsync();
        var beforeCommit = app.Server.Bytes;
        app.Store.Release.Open();
        var rest = await body.ReadToEndAsync();

        Assert.True(body.Response.Headers.TransferEncodingChunked);
        Assert.Null(body.Response.Content.Headers.ContentLength);
        Assert.Equal(chunks * chunkSize, beforeCommit);
        Assert.Equal(0, rest);
        Assert.Equal(1, app.Store.Writes);
    }

    [Theory]
    [InlineData(Writer.PipeWriter)]
    [InlineData(Writer.Stream)]
    public async Task A_response_the_app_completes_ends_only_after_the_session_is_stored_and_later_writes_fail(Writer writer)
    {
        const int size = 20_000;
        var writeErrors = new List<Exception>();
        await using var app = await HoldbackApp.StartAsync(async context =>
        {
            context.GetSession().Set("views", 1);
            context.Response.ContentLength = size;
            await WriteBodyAsync(context.Response, writer, BodyPattern.Bytes(0, size));

            await context.Response.CompleteAsync();
            writeErrors.Add(await Record.ExceptionAsync(async () => await context.Response.BodyWriter.WriteAsync(new byte[1])));
            writeErrors.Add(Record.Exception(() => context.Response.BodyWriter.GetMemory()));
            writeErrors.Add(await Record.ExceptionAsync(async () => await context.Response.Body.WriteAsync(new byte[1])));
        });

        using var body = await app.GetAsync();
        await body.ReadAsync(size - 1);
        await app.Store.WriteStarted.WaitAsync();
        var beforeCommit = app.Server.Bytes;
        var completedBeforeCommit = app.Server.Completed;
        app.Store.Release.Open();
        var rest = await body.ReadToEndAsync();

        Assert.Equal(size - 1, beforeCommit);
        Assert.False(completedBeforeCommit, "The response was completed before the session was stored.");
        Assert.Equal(1, rest);
        Assert.True(app.Server.Completed);
        Assert.Equal(1, app.Store.Writes);
        Assert.Equal(3, writeErrors.Count);
        Assert.All(writeErrors, e => Assert.IsType<InvalidOperationException>(e));
    }

    [Theory]
    [InlineData(Writer.PipeWriter)]
    [InlineData(Writer.Stream)]
    public async Task Flushing_sends_all_but_the_last_byte_to_the_client_before_the_app_returns(Writer flushThrough)
    {
        const int size = 9_000;
        var clientRead = new Gate("the client to read all but the last byte");
        await using var app = await HoldbackApp.StartAsync(async context =>
        {
            context.GetSession().Set("views", 1);
            context.Response.ContentLength = size;
            context.Response.BodyWriter.Write(BodyPattern.Bytes(0, size));
            if (flushThrough == Writer.PipeWriter)
            {
                await context.Response.BodyWriter.FlushAsync();
            }
            else
            {
                await context.Response.Body.FlushAsync();
            }

            await clientRead.WaitAsync();
        });

        using var body = await app.GetAsync();
        await body.ReadAsync(size - 1);
        var whileAppRuns = app.Server.Bytes;
        var storeReachedWhileAppRuns = app.Store.WriteStarted.IsOpen;
        clientRead.Open();
        await app.Store.WriteStarted.WaitAsync();
        var beforeCommit = app.Server.Bytes;
        app.Store.Release.Open();
        var rest = await body.ReadToEndAsync();

        Assert.Equal(size - 1, whileAppRuns);
        Assert.False(storeReachedWhileAppRuns);
        Assert.Equal(size - 1, beforeCommit);
        Assert.Equal(1, rest);
        Assert.Equal(1, app.Store.Writes);
    }

    [Theory]
    [InlineData(Writer.PipeWriter, 1)]
    [InlineData(Writer.PipeWriter, 4096)]
    [InlineData(Writer.Stream, 13)]
    [InlineData(Writer.Stream, 4096)]
    public async Task A_small_body_written_in_one_write_reaches_the_server_whole_and_only_after_the_session_is_stored(Writer writer, int size)
    {
        await using var app = await HoldbackApp.StartAsync(async context =>
        {
            context.GetSession().Set("views", 1);
            context.Response.ContentLength = size;
            await WriteBodyAsync(context.Response, writer, BodyPattern.Bytes(0, size));

            await context.Response.Body.FlushAsync(); // nothing to send yet: the whole body is held back
        });

        var getting = app.GetAsync();
        await app.Store.WriteStarted.WaitAsync();
        var beforeCommit = app.Server.Bytes;
        app.Store.Release.Open();
        using var body = await getting;
        var rest = await body.ReadToEndAsync();

        Assert.Equal(0, beforeCommit);
        Assert.Equal(size, rest);
        Assert.Equal(size, app.Server.Bytes);
        Assert.Equal(1, app.Store.Writes);
    }

    [Fact]
    public async Task A_body_one_byte_over_the_whole_body_limit_sends_all_but_its_last_byte_before_the_session_is_stored()
    {
        const int size = 4097;
        await using var app = await HoldbackApp.StartAsync(async context =>
        {
            context.GetSession().Set("views", 1);
            context.Response.ContentLength = size;
            await context.Response.BodyWriter.WriteAsync(BodyPattern.Bytes(0, size));
        });

        await AssertLastByteFollowsTheSessionWriteAsync(app, size);
    }

    /// <summary>Writes <paramref name="bytes"/> in one write, through the response's <see cref="Writer"/>.</summary>
    private static async Task WriteBodyAsync(HttpResponse response, Writer writer, ReadOnlyMemory<byte> bytes)
    {
        if (writer == Writer.PipeWriter)
        {
            await response.BodyWriter.WriteAsync(bytes);
        }
        else
        {
            await response.Body.WriteAsync(bytes);
        }
    }

    /// <summary>
    /// The client reads all but the last byte; while the session write is held at the store, the
    /// last byte has not reached the server; once the write finishes, it arrives and the body ends.
    /// </summary>
    private static async Task AssertLastByteFollowsTheSessionWriteAsync(HoldbackApp app, long size)
    {
        using var body = await app.GetAsync();
        await body.ReadAsync(size - 1);
        await app.Store.WriteStarted.WaitAsync();
        var beforeCommit = app.Server.Bytes;
        app.Store.Release.Open();
        var rest = await body.ReadToEndAsync();

        Assert.Equal(size, body.Response.Content.Headers.ContentLength);
        Assert.Equal(size - 1, beforeCommit);
        Assert.Equal(1, rest);
        Assert.Equal(size, app.Server.Bytes);
        Assert.Equal(1, app.Store.Writes);
    }
}
