using Microsoft.Extensions.Time.Testing;

namespace Tessera.Tests;

public sealed class SessionCookieMaxAgeTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_MaxAge_that_would_overflow_the_expiry_is_rejected_at_the_setter_naming_MaxAge()
    {
        var cookie = new SessionCookie(new FakeTimeProvider(Now));

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => cookie.MaxAge = TimeSpan.MaxValue);

        Assert.Equal("MaxAge", error.ParamName);
        Assert.Null(cookie.Expires);
    }

    [Fact]
    public void A_hugely_negative_MaxAge_is_rejected_at_the_setter_naming_MaxAge()
    {
        var cookie = new SessionCookie(new FakeTimeProvider(Now));

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => cookie.MaxAge = TimeSpan.MinValue);

        Assert.Equal("MaxAge", error.ParamName);
    }

    [Fact]
    public void The_largest_MaxAge_that_fits_sets_the_expiry_to_the_last_representable_millisecond_or_before()
    {
        var cookie = new SessionCookie(new FakeTimeProvider(Now));

        cookie.MaxAge = DateTimeOffset.MaxValue - Now;

        Assert.True(cookie.Expires > Now.AddYears(7000));
    }

    [Fact]
    public void Four_hundred_days_sets_the_expiry_four_hundred_days_ahead()
    {
        var cookie = new SessionCookie(new FakeTimeProvider(Now));

        cookie.MaxAge = TimeSpan.FromDays(400);

        Assert.Equal(Now.AddDays(400), cookie.Expires);
    }
}
