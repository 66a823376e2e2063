using Tessera.Cookies;

namespace Tessera.Tests.Cookies;

public sealed class CookieSignerTests
{
    [Theory]
    [InlineData("apple", "s%3Aapple.D8Y%2BpkTAmeR0PobOhY4G97PRW%2Bj7bUnP%2F5m6%2FOn1MCU")]
    [InlineData("%", "s%3A%25.kzQ6x52kKVdF35Qh62AWk4ZekS28K5XYCXKa%2FOTZ01g")]
    [InlineData("/foo", "s%3A%2Ffoo.paEKBtAHbV5s1IB8B2zPnzAgYmmnRPIqObW4VRYj%2FMQ")]
    public void Signed_cookie_values_match_express_session_test_vectors(string id, string expected)
    {
        var signer = new CookieSigner(["keyboard cat"]);

        Assert.Equal(expected, UriComponent.Encode("s:" + signer.Sign(id)));
    }

    [Theory]
    [InlineData("apple")]
    [InlineData("%")]
    [InlineData("/foo")]
    [InlineData("jyAyv3nkK7o6z95W3TbaaaES_s3yQGny")]
    public void Unsign_returns_the_id_a_secret_signed(string id)
    {
        var signer = new CookieSigner(["keyboard cat"]);

        Assert.Equal(id, signer.Unsign("s:" + signer.Sign(id) is var s ? s[2..] : null));
    }

    [Fact]
    public void Header_parser_reads_and_decodes_the_first_cookie_of_a_name()
    {
        Assert.True(CookieHeaderParser.TryGetFirst("connect.sid=s%3Aabc.%2Fx; Path=/; Expires=Sun, 29 Nov 2026 12:01:00 GMT; HttpOnly".AsSpan(), "connect.sid", out var value));
        Assert.Equal("s:abc./x", value);
    }
}
