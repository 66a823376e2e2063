using Microsoft.Extensions.Time.Testing;
using Tessera.Serialization;

namespace Tessera.Tests.Serialization;

public sealed class CookieRewriterTests
{
    [Theory]
    [InlineData("""{"cookie":{"originalMaxAge":60000,"expires":"2026-11-29T12:01:00.000Z","httpOnly":true,"path":"/"},"views":3}""")]
    [InlineData("""{"cookie":{"originalMaxAge":null,"expires":null,"httpOnly":true,"path":"/"}}""")]
    [InlineData("""{"a":1,"cookie":{"originalMaxAge":null,"expires":null,"secure":false,"httpOnly":true,"path":"/"},"d":"1970-01-01T00:00:00.000Z","n":{"x":[1,2.5,"é😀"],"cookie":1}}""")]
    [InlineData("""{"views":1,"cookie":{"originalMaxAge":60000,"partitioned":true,"priority":"low","expires":"2026-11-29T12:01:00.000Z","secure":true,"httpOnly":true,"domain":"example.com","path":"/","sameSite":"strict"},"cart":{"items":[{"sku":"A-100","quantity":2}],"total":42.5}}""")]
    public void Replacing_the_cookie_gives_the_document_written_with_the_new_cookie(string json)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));
        var cookie = new SessionCookie(time) { MaxAge = TimeSpan.FromMinutes(30), Domain = "example.org", SameSite = Microsoft.AspNetCore.Http.SameSiteMode.Lax };

        var expected = SessionData.Parse(json, time);
        expected.Cookie = cookie;

        Assert.Equal(expected.ToJson(), System.Text.Encoding.UTF8.GetString(CookieRewriter.Replace(System.Text.Encoding.UTF8.GetBytes(json), cookie)!));
    }

    [Fact]
    public void Replacing_keeps_the_metadata()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));
        var data = new SessionData(new SessionCookie(time) { MaxAge = TimeSpan.FromMinutes(1) })
        {
            Metadata = new SessionMetadata { Created = time.GetUtcNow() },
        };
        data.SetRawValue("views", "3"u8);
        var touched = new SessionCookie(time) { MaxAge = TimeSpan.FromMinutes(5) };

        var rewritten = CookieRewriter.Replace(data.ToUtf8Json(), touched);

        data.Cookie = touched;
        Assert.Equal(data.ToUtf8Json(), rewritten);
    }

    [Theory]
    [InlineData("""{"views":3}""")]
    [InlineData("""{"cookie":1}""")]
    [InlineData("""{"cookie":{},"cookie":{}}""")]
    [InlineData("""[1]""")]
    [InlineData("""{"cookie":{""")]
    public void Documents_without_exactly_one_cookie_object_are_not_rewritten(string json)
    {
        Assert.Null(CookieRewriter.Replace(System.Text.Encoding.UTF8.GetBytes(json), new SessionCookie()));
    }

    [Theory]
    [InlineData("2026-11-29T12:01:00.000Z")]
    [InlineData("1970-01-01T00:00:00.000Z")]
    [InlineData("2024-02-29T23:59:59.999Z")]
    [InlineData("2023-02-29T23:59:59.999Z")]
    [InlineData("2026-13-01T00:00:00.000Z")]
    [InlineData("2026-11-29T24:00:00.000Z")]
    [InlineData("0000-01-01T00:00:00.000Z")]
    [InlineData("2026-11-29T12:01:00.000+01:00")]
    [InlineData("2026-11-29T12:01:00Z")]
    [InlineData("Sun, 29 Nov 2026 12:01:00 GMT")]
    [InlineData("2026-11-29T12:01:00.000z")]
    [InlineData("２026-11-29T12:01:00.000Z")]
    [InlineData("")]
    public void Dates_parse_as_the_general_parser_reads_them(string text)
    {
        var general = DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var expected);

        Assert.Equal(general, SessionDocument.TryParseDate(text, out var value));
        Assert.Equal(expected, value);
        Assert.Equal(expected.Offset, value.Offset);
    }
}
