using System.Globalization;
using System.Text;
using Tessera.Serialization;

namespace Tessera.Tests.Serialization;

/// <summary>Dates in a stored document are written as JavaScript's <c>toISOString</c> writes them.</summary>
public sealed class IsoDateTests
{
    public static TheoryData<DateTimeOffset> Dates() =>
    [
        DateTimeOffset.MinValue,
        DateTimeOffset.MaxValue,
        DateTimeOffset.UnixEpoch,
        new DateTimeOffset(2024, 2, 29, 23, 59, 59, 999, TimeSpan.Zero),
        new DateTimeOffset(2026, 11, 30, 9, 5, 7, 8, TimeSpan.FromHours(5.5)),
        new DateTimeOffset(999, 1, 2, 3, 4, 5, 60, TimeSpan.FromHours(-8)),
    ];

    [Theory]
    [MemberData(nameof(Dates))]
    public void A_date_is_formatted_as_the_invariant_iso_pattern_in_utc(DateTimeOffset date)
    {
        var expected = date.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

        Assert.Equal(expected, SessionDocument.FormatDate(date));
    }

    [Fact]
    public void Every_millisecond_of_a_random_sample_of_dates_formats_as_the_invariant_pattern_in_a_stored_cookie()
    {
        var random = new Random(20261130);
        for (var i = 0; i < 10_000; i++)
        {
            var ticks = random.NextInt64(DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks);
            var date = new DateTimeOffset(ticks, TimeSpan.Zero);
            var expected = date.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

            var cookie = new SessionCookie { Expires = date };
            var json = Encoding.UTF8.GetString(new SessionData(cookie).ToUtf8Json());

            Assert.Equal(expected, SessionDocument.FormatDate(date));
            Assert.Contains($"\"expires\":\"{expected}\"", json, StringComparison.Ordinal);
        }
    }
}
