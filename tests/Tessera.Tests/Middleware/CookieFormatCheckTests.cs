using Microsoft.Extensions.Logging;
using Tessera.Cookies;
using Tessera.Tests.Infrastructure;

namespace Tessera.Tests.Middleware;

/// <summary>
/// A cookie that cannot be a signed session ID is turned away by its shape, before any HMAC; a
/// rejected cookie of any kind is a Debug line (anyone can send one) and is counted by reason.
/// </summary>
public sealed class CookieFormatCheckTests
{
    private const string Id = "abcdefghijklmnopqrstuvwxyz012345"; // 32 characters of base64url, as the default generator makes

    private static string Cookie(string value) => "connect.sid=" + UriComponent.Encode(value);

    private static string Signed(string id, string secret = "keyboard cat") => Cookie("s:" + new CookieSigner([secret]).Sign(id));

    private static long Rejected(MeterCounters counters, string reason) => counters[$"tessera.cookie.rejected[tessera.reason={reason}]"];

    [Fact]
    public async Task A_valid_looking_id_with_a_10_character_signature_is_rejected_as_malformed_without_checking_a_signature()
    {
        await using var app = await TestApp.StartCountingAsync(null);
        using var counters = new MeterCounters(app);
        var logs = LogSink.Attach(app);

        await app.GetAsync("/", Cookie($"s:{Id}.abcdefghij"));

        Assert.Equal(1, Rejected(counters, "malformed"));
        Assert.Equal(0, Rejected(counters, "bad_signature"));
        Assert.Equal(LogLevel.Debug, Assert.Single(logs.Named("MalformedCookie")).Level);
        Assert.Empty(logs.Named("BadSignature"));
        Assert.Equal(0, ((CountingStore)app.Store).Gets);
    }

    [Theory]
    [InlineData("s:" + Id)]                                                           // no signature
    [InlineData("s:" + Id + ".")]                                                     // an empty one
    [InlineData("s:" + Id + ".abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH")]         // 44 characters
    [InlineData("s:" + Id + ".abcdefghijklmnopqrstuvwxyz0123456789ABCDE-_")]          // base64url, not base64
    [InlineData("s:" + Id + ".abcdefghijklmnopqrstuvwxyz0123456789ABC%20E")]          // not base64 at all
    [InlineData("s:abc.abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")]                 // an ID too short for the default generator
    [InlineData("s:abcdefghijklmnopqrstuvwxyz01234!.abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")] // an ID outside base64url
    public async Task A_cookie_without_the_shape_of_a_signed_id_is_rejected_as_malformed(string value)
    {
        await using var app = await TestApp.StartCountingAsync(null);
        using var counters = new MeterCounters(app);

        await app.GetAsync("/", Cookie(value));

        Assert.Equal(1, Rejected(counters, "malformed"));
        Assert.Equal(0, Rejected(counters, "bad_signature"));
    }

    [Fact]
    public async Task A_forged_cookie_is_logged_at_debug_and_nothing_about_it_at_warning()
    {
        await using var app = await TestApp.StartCountingAsync(null);
        var logs = LogSink.Attach(app);

        await app.GetAsync("/", Signed(Id, secret: "not the app's secret"));

        Assert.Equal(LogLevel.Debug, Assert.Single(logs.Named("BadSignature")).Level);
        Assert.Equal(new EventId(2, "BadSignature"), logs.Named("BadSignature")[0].EventId);
        Assert.DoesNotContain(logs.Entries, e => e.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task A_signed_id_of_another_shape_is_left_to_the_signature_when_the_application_generates_its_ids()
    {
        await using var app = await TestApp.StartCountingAsync(o => o.GenerateId = _ => "tenant-" + Guid.NewGuid().ToString("N"));
        using var counters = new MeterCounters(app);

        await app.GetAsync("/", Signed("tenant-1", secret: "not the app's secret"));
        await app.GetAsync("/", Signed("tenant-2"));

        Assert.Equal(0, Rejected(counters, "malformed"));
        Assert.Equal(1, Rejected(counters, "bad_signature"));
        Assert.Equal(1, Rejected(counters, "not_found"));
        Assert.Equal(1, ((CountingStore)app.Store).Gets);
    }

    [Fact]
    public async Task The_counter_counts_each_reason_and_each_is_logged_at_debug()
    {
        await using var app = await TestApp.StartCountingAsync(o =>
        {
            o.GenerateId = _ => "app-" + Guid.NewGuid().ToString("N");
            o.ValidateId = id => id.StartsWith("app-", StringComparison.Ordinal);
        });
        using var counters = new MeterCounters(app);
        var logs = LogSink.Attach(app);

        await app.GetAsync("/", "connect.sid=app-unsigned");                          // unsigned
        await app.GetAsync("/", Cookie("s:app-1.short"));                              // malformed
        await app.GetAsync("/", Cookie("s:app-2"));                                    // malformed
        await app.GetAsync("/", Signed("app-3", secret: "not the app's secret"));      // bad_signature
        await app.GetAsync("/", Signed("other-4"));                                     // bad_id
        await app.GetAsync("/", Signed("app-5"));                                       // not_found

        Assert.Equal(1, Rejected(counters, "unsigned"));
        Assert.Equal(2, Rejected(counters, "malformed"));
        Assert.Equal(1, Rejected(counters, "bad_signature"));
        Assert.Equal(1, Rejected(counters, "bad_id"));
        Assert.Equal(1, Rejected(counters, "not_found"));
        Assert.Equal(
            ["BadSignature", "MalformedCookie", "MalformedCookie", "RejectedId", "SessionNotFound", "UnsignedCookie"],
            logs.Entries.Where(e => e.Category == "Tessera").Select(e => e.EventId.Name).Order(StringComparer.Ordinal));
        Assert.All(logs.Entries.Where(e => e.Category == "Tessera"), e => Assert.Equal(LogLevel.Debug, e.Level));
    }

    [Fact]
    public async Task A_genuine_cookie_is_not_counted_as_rejected()
    {
        await using var app = await TestApp.StartCountingAsync(o => o.SaveUninitialized = true);
        using var counters = new MeterCounters(app);

        var cookie = SetCookie.Require(await app.GetAsync("/", null));
        await app.GetAsync("/", cookie);

        Assert.DoesNotContain(counters.Values.Keys, k => k.StartsWith("tessera.cookie.rejected", StringComparison.Ordinal));
    }
}
