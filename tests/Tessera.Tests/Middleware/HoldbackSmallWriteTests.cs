using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Tessera.Middleware;

namespace Tessera.Tests.Middleware;

/// <summary>The hold-back adds no allocation to the writes of a small response.</summary>
public sealed class HoldbackSmallWriteTests
{
    private const int WriteSize = 64;
    private const int Writes = 200;

    public enum Writer
    {
        PipeWriter,
        Stream,
    }

    [Theory]
    [InlineData(Writer.PipeWriter)]
    [InlineData(Writer.Stream)]
    public async Task Small_writes_through_the_hold_back_allocate_nothing_including_the_one_that_holds_the_last_byte(Writer writer)
    {
        var context = new DefaultHttpContext();
        context.Response.ContentLength = 2L * Writes * WriteSize;
        IHttpResponseBodyFeature holdback = new HoldbackResponseBody(new StreamResponseBodyFeature(Stream.Null), context.Response);
        var pipe = holdback.Writer;
        var stream = holdback.Stream;
        var bytes = new byte[WriteSize];
        var before = 0L;

        // The first half warms up the writer; the second half ends the body and holds its last
        // byte back. The writes are awaited here, in the test's own frame, so that what is counted
        // is the hold-back's allocations alone.
        for (var i = 0; i < 2 * Writes; i++)
        {
            if (i == Writes)
            {
                before = GC.GetAllocatedBytesForCurrentThread();
            }

            if (writer == Writer.PipeWriter)
            {
                await pipe.WriteAsync(bytes);
            }
            else
            {
                await stream.WriteAsync(bytes);
            }
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }
}
