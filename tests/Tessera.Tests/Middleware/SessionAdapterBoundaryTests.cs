using Microsoft.AspNetCore.Http;
using Tessera.Tests.Infrastructure;

namespace Tessera.Tests.Middleware;

/// <summary>Values cross between <see cref="ISession"/> and <see cref="Session"/> by exact rules.</summary>
public sealed class SessionAdapterBoundaryTests
{
    private static async Task<string> WriteThenReadAsync(Action<HttpContext> write, Func<HttpContext, object?> read)
    {
        await using var app = await TestApp.StartAsync(null, async context =>
        {
            if (context.Request.Path == "/write")
            {
                write(context);
                return;
            }

            try
            {
                await context.Response.WriteAsync(read(context) switch
                {
                    byte[] bytes => Convert.ToHexString(bytes),
                    var value => value?.ToString() ?? "null",
                });
            }
            catch (Exception ex)
            {
                await context.Response.WriteAsync(ex.GetType().Name + ": " + ex.Message);
            }
        });
        var cookie = SetCookie.Require(await app.GetAsync("/write"));
        return await (await app.GetAsync("/read", cookie)).Content.ReadAsStringAsync();
    }

    [Theory]
    [InlineData(3)]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(int.MaxValue)]
    public async Task An_integer_written_with_SetInt32_reads_as_that_integer_with_Session_Get_int(int number)
    {
        var body = await WriteThenReadAsync(c => c.Session.SetInt32("views", number), c => c.GetSession().Get<int>("views"));

        Assert.Equal(number.ToString(System.Globalization.CultureInfo.InvariantCulture), body);
    }

    [Fact]
    public async Task An_integer_written_with_SetInt32_reads_with_Session_TryGet_of_a_nullable_int()
    {
        var body = await WriteThenReadAsync(
            c => c.Session.SetInt32("views", 3),
            c => c.GetSession().TryGet<int?>("views", out var views) ? views : "missing");

        Assert.Equal("3", body);
    }

    [Fact]
    public async Task An_integer_written_with_Session_Set_reads_with_GetInt32()
    {
        var body = await WriteThenReadAsync(c => c.GetSession().Set("views", 3), c => c.Session.GetInt32("views"));

        Assert.Equal("3", body);
    }

    [Fact]
    public async Task Bytes_written_through_ISession_read_as_the_same_bytes_with_Session_Get_byte_array()
    {
        var body = await WriteThenReadAsync(c => c.Session.Set("blob", [0, 1, 2, 255, 7]), c => c.GetSession().Get<byte[]>("blob"));

        Assert.Equal("000102FF07", body);
    }

    [Fact]
    public async Task The_bytes_of_SetInt32_read_with_Session_Get_byte_array_are_its_big_endian_form()
    {
        var body = await WriteThenReadAsync(c => c.Session.SetInt32("views", 3), c => c.GetSession().Get<byte[]>("views"));

        Assert.Equal("00000003", body);
    }

    [Fact]
    public async Task Raw_bytes_read_as_another_type_throw_an_InvalidOperationException_that_says_how_to_read_them()
    {
        var body = await WriteThenReadAsync(c => c.Session.Set("blob", [0, 1, 2]), c => c.GetSession().Get<int>("blob"));

        Assert.StartsWith("InvalidOperationException: ", body, StringComparison.Ordinal);
        Assert.Contains("'blob' was written as 3 raw bytes through ISession", body, StringComparison.Ordinal);
        Assert.Contains("HttpContext.Session.GetInt32 or TryGetValue", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_bytes_of_SetInt32_read_as_a_long_throw_an_InvalidOperationException()
    {
        var body = await WriteThenReadAsync(c => c.Session.SetInt32("views", 3), c => c.GetSession().Get<long>("views"));

        Assert.StartsWith("InvalidOperationException: ", body, StringComparison.Ordinal);
        Assert.Contains("cannot be read as Int64", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Raw_bytes_can_still_be_read_as_their_stored_JSON()
    {
        var body = await WriteThenReadAsync(
            c => c.Session.SetInt32("views", 3),
            c => c.GetSession().Get<System.Text.Json.JsonElement>("views").GetRawText());

        Assert.Equal("""{"$base64":"AAAAAw=="}""", body);
    }

    [Fact]
    public async Task A_JSON_object_that_only_looks_like_raw_bytes_is_read_as_JSON()
    {
        var body = await WriteThenReadAsync(
            c => c.GetSession().Set("shape", new Dictionary<string, int> { ["$base64"] = 1 }),
            c => c.GetSession().Get<Dictionary<string, int>>("shape")!["$base64"]);

        Assert.Equal("1", body);
    }
}
