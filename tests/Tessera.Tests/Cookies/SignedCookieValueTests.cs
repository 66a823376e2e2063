using Tessera.Cookies;

namespace Tessera.Tests.Cookies;

public sealed class SignedCookieValueTests
{
    [Theory]
    [InlineData("apple")]
    [InlineData("%")]
    [InlineData("/foo")]
    [InlineData("jyAyv3nkK7o6z95W3TbaaaES_s3yQGny")]
    [InlineData("café")]
    [InlineData("a.b!~*'()-_")]
    public void The_cookie_value_is_the_encoded_signed_id(string id)
    {
        var signer = new CookieSigner(["keyboard cat", "old secret"]);

        Assert.Equal(UriComponent.Encode("s:" + signer.Sign(id)), signer.SignCookieValue(id));
    }

    [Fact]
    public void Default_ids_and_long_ids_get_the_encoded_signed_value()
    {
        var signer = new CookieSigner(["keyboard cat"]);
        for (var i = 0; i < 200; i++)
        {
            var id = DefaultSessionIdGenerator.Generate();
            Assert.Equal(UriComponent.Encode("s:" + signer.Sign(id)), signer.SignCookieValue(id));
        }

        var longId = new string('x', 1000);
        Assert.Equal(UriComponent.Encode("s:" + signer.Sign(longId)), signer.SignCookieValue(longId));
    }

    [Fact]
    public void Signers_with_different_secrets_used_in_turn_on_one_thread_keep_their_own_keys()
    {
        var first = new CookieSigner(["keyboard cat"]);
        var second = new CookieSigner(["another secret", "keyboard cat"]);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("s%3Aapple.D8Y%2BpkTAmeR0PobOhY4G97PRW%2Bj7bUnP%2F5m6%2FOn1MCU", first.SignCookieValue("apple"));
            var signedBySecond = second.Sign("apple");
            Assert.NotEqual(first.Sign("apple"), signedBySecond);
            Assert.Null(first.Unsign(signedBySecond));
            Assert.Equal("apple", second.Unsign(first.Sign("apple")));
            Assert.Equal("apple", second.Unsign(signedBySecond));
        }
    }

    [Fact]
    public async Task Signing_on_many_threads_at_once_gives_the_same_signatures()
    {
        var signer = new CookieSigner(["keyboard cat"]);
        var ids = Enumerable.Range(0, 64).Select(i => $"id-{i}").ToArray();
        var expected = ids.Select(signer.Sign).ToArray();

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var round = 0; round < 200; round++)
            {
                for (var i = 0; i < ids.Length; i++)
                {
                    if (signer.Sign(ids[i]) != expected[i] || signer.Unsign(expected[i]) != ids[i])
                    {
                        return false;
                    }
                }
            }

            return true;
        })));

        Assert.All(results, Assert.True);
    }

    [Fact]
    public void Unsign_tells_whether_the_signing_secret_made_the_signature()
    {
        var signer = new CookieSigner(["new secret", "old secret"]);

        Assert.Equal("apple", signer.Unsign(signer.Sign("apple"), out var byNewest));
        Assert.True(byNewest);
        Assert.Equal("apple", signer.Unsign(new CookieSigner(["old secret"]).Sign("apple"), out var byOlder));
        Assert.False(byOlder);
        Assert.Null(signer.Unsign(new CookieSigner(["other"]).Sign("apple"), out var byNone));
        Assert.False(byNone);
    }

    [Theory]
    [InlineData("jyAyv3nkK7o6z95W3TbaaaES_s3yQGny")]
    [InlineData("café")]
    public void The_encoded_value_of_an_id_and_its_signature_is_the_signed_cookie_value(string id)
    {
        var signer = new CookieSigner(["keyboard cat"]);
        var signed = signer.Sign(id);

        Assert.Equal(
            signer.SignCookieValue(id),
            CookieSigner.EncodeCookieValue(id, signed.AsSpan(signed.LastIndexOf('.') + 1), stackalloc char[CookieSigner.MaxValueLength]).ToString());
    }
}
