using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Tessera.Serialization;
using Tessera.Tests.Infrastructure;

namespace Tessera.Tests.Serialization;

/// <summary>
/// A string holding a lone surrogate, which JavaScript strings may hold: saved as
/// <c>JSON.stringify</c> writes it (<c>"\ud800"</c>) and read back exactly.
/// </summary>
public sealed class LoneSurrogateTests
{
    public static TheoryData<string, string> Strings => new()
    {
        { "a\uD800b", "\"a\\ud800b\"" },
        { "\uDC00", "\"\\udc00\"" },
        { "\uDC00\uD800", "\"\\udc00\\ud800\"" },
        { "x\uD83D", "\"x\\ud83d\"" },
        { "\"q\\\n\u0001\uD800😀é", "\"\\\"q\\\\\\n\\u0001\\ud800😀é\"" },
    };

    private static async Task<(string Cookie, string? Read, string Document)> SaveThenReadAsync(Action<HttpContext> write, Func<HttpContext, string?> read)
    {
        var store = new DocumentStore(ExpressHarness.NewClock());
        string? seen = null;
        await using var app = await TestApp.StartAsync(
            null,
            context =>
            {
                if (context.Request.Path == "/write")
                {
                    write(context);
                }
                else
                {
                    seen = read(context);
                }

                return Task.CompletedTask;
            },
            store: store);

        using var first = await app.GetAsync("/write");
        Assert.Equal(200, (int)first.StatusCode);
        var cookie = SetCookie.Require(first).Split(';')[0];
        using var second = await app.GetAsync("/read", cookie);
        Assert.Equal(200, (int)second.StatusCode);
        return (cookie, seen, Assert.Single(store.Documents.Values));
    }

    [Theory]
    [MemberData(nameof(Strings), DisableDiscoveryEnumeration = true)] // xunit would turn the lone surrogates into U+FFFD
    public void A_string_with_a_lone_surrogate_serializes_as_JSON_stringify_writes_it_and_reads_back_exactly(string value, string json)
    {
        var options = TesseraJson.CreateDefaultOptions();

        var written = JsonSerializer.Serialize(value, options);

        Assert.Equal(json, written);
        Assert.Equal(value, JsonSerializer.Deserialize<string>(written, options));
    }

    [Fact]
    public void A_string_without_a_lone_surrogate_is_written_as_before()
    {
        var options = TesseraJson.CreateDefaultOptions();

        Assert.Equal("\"é😀<>&\\\"\\n\"", JsonSerializer.Serialize("é😀<>&\"\n", options));
        Assert.Equal("{\"name\":\"a\\ud800\",\"other\":\"b\"}", JsonSerializer.Serialize(new { Name = "a\uD800", Other = "b" }, options));
    }

    [Fact]
    public async Task Session_Set_saves_a_lone_surrogate_as_JSON_stringify_does_and_the_next_request_reads_it_back_exactly()
    {
        var (_, read, document) = await SaveThenReadAsync(
            context => context.GetSession().Set("v", "a\uD800b"),
            context => context.GetSession().Get<string>("v"));

        Assert.Equal("a\uD800b", read);
        Assert.Contains("\"v\":\"a\\ud800b\"", document, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_document_written_by_Node_with_an_escaped_lone_surrogate_reads_back_exactly()
    {
        var (_, read, _) = await SaveThenReadAsync(
            context => context.GetSession().Set("v", new Dictionary<string, string> { ["k"] = "\uDBFF!" }),
            context => context.GetSession().Get<Dictionary<string, string>>("v")!["k"]);

        Assert.Equal("\uDBFF!", read);
    }

    [Fact]
    public async Task ISession_SetString_saves_what_its_UTF8_encoding_makes_of_a_lone_surrogate_without_failing_the_request()
    {
        // SetString hands the session Encoding.UTF8's bytes, in which the lone surrogate is
        // already U+FFFD (as with Microsoft.AspNetCore.Session): that is what is saved and read.
        var (_, read, document) = await SaveThenReadAsync(
            context => context.Session.SetString("v", "a\uD800b"),
            context => context.Session.GetString("v"));

        Assert.Equal("a\uFFFDb", read);
        Assert.Contains("\"v\":\"a\uFFFDb\"", document, StringComparison.Ordinal);
    }
}
