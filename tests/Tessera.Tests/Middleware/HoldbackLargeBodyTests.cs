using Microsoft.AspNetCore.Http;
using Tessera.Tests.Infrastructure;

namespace Tessera.Tests.Middleware;

/// <summary>
/// A 100 MB body goes through the hold-back in large writes: the client gets every byte, the
/// last one only after the session is stored, and the hold-back never makes the server find a
/// buffer the size of a write, so the memory it adds stays bounded whatever the body size.
/// </summary>
public sealed class HoldbackLargeBodyTests
{
    private const long BodySize = 100L * 1024 * 1024;
    private const int WriteSize = (int)(BodySize / 8);
    private const int OneMegabyte = 1024 * 1024;

    public enum Writer
    {
        PipeWriter,
        Stream,
    }

    [Theory]
    [InlineData(Writer.PipeWriter)]
    [InlineData(Writer.Stream)]
    public async Task A_100_MB_body_written_in_large_writes_arrives_whole_without_the_server_being_asked_for_more_than_1_MB_at_once(Writer writer)
    {
        await using var app = await HoldbackApp.StartAsync(async context =>
        {
            context.GetSession().Set("views", 1);
            context.Response.ContentLength = BodySize;
            var source = BodyPattern.Bytes(0, WriteSize + BodyPattern.Period);
            for (long offset = 0; offset < BodySize; offset += WriteSize)
            {
                var chunk = BodyPattern.Slice(source, offset, WriteSize);
                if (writer == Writer.PipeWriter)
                {
                    await context.Response.BodyWriter.WriteAsync(chunk);
                }
                else
                {
                    await context.Response.Body.WriteAsync(chunk);
                }
            }
        });

        using var body = await app.GetAsync();
        await body.ReadAsync(BodySize - 1);
        await app.Store.WriteStarted.WaitAsync();
        var beforeCommit = app.Server.Bytes;
        app.Store.Release.Open();
        var rest = await body.ReadToEndAsync();

        Assert.Equal(BodySize - 1, beforeCommit);
        Assert.Equal(1, rest);
        Assert.Equal(BodySize, app.Server.Bytes);
        Assert.Equal(1, app.Store.Writes);
        Assert.InRange(app.Server.LargestRequest, 0, OneMegabyte);
        Assert.InRange(app.Server.LargestBuffer, 0, OneMegabyte);
        Assert.InRange(app.Server.LargestUnflushed, 0, OneMegabyte);
    }
}
