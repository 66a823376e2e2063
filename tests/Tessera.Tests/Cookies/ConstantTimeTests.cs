using Tessera.Cookies;

namespace Tessera.Tests.Cookies;

public sealed class ConstantTimeTests
{
    private const string Signature = "D8Y+pkTAmeR0PobOhY4G97PRW+j7bUnP/5m6/On1MCU";

    [Theory]
    [InlineData("")]
    [InlineData("a")]
    [InlineData("abc")]
    [InlineData("abcd")]
    [InlineData("abcde")]
    [InlineData(Signature)]
    public void Equal_texts_are_equal(string text) =>
        Assert.True(ConstantTime.TextEquals(text, new string(text.AsSpan())));

    [Fact]
    public void A_difference_at_any_position_is_found()
    {
        for (var i = 0; i < Signature.Length; i++)
        {
            var changed = Signature.ToCharArray();
            changed[i] = changed[i] == 'x' ? 'y' : 'x';
            Assert.False(ConstantTime.TextEquals(Signature, changed), $"difference at {i}");
        }
    }

    [Fact]
    public void A_difference_in_the_high_byte_of_a_character_is_found() =>
        Assert.False(ConstantTime.TextEquals("abcdefgh", "abcdefg\u0168")); // 'h' is U+0068

    [Theory]
    [InlineData("abc", "abcd")]
    [InlineData("abcd", "abc")]
    [InlineData("", "a")]
    public void Texts_of_different_lengths_are_not_equal(string left, string right) =>
        Assert.False(ConstantTime.TextEquals(left, right));
}
