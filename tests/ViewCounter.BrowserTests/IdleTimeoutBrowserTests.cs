using System.Diagnostics;
using Microsoft.Playwright;

namespace ViewCounter.BrowserTests;

/// <summary>
/// <see cref="Tessera.TesseraOptions.IdleTimeout"/> in a real browser, on the real clock: the
/// cookie's Expires slides with every request that re-arms the session, so a user active at
/// least once per idle timeout keeps the session, and an idle one loses it.
/// </summary>
public sealed class IdleTimeoutBrowserTests(Chromium chromium) : IClassFixture<Chromium>, IAsyncLifetime
{
    // Small, because the browser honours the cookie's Expires on the real clock; Expires has
    // one-second resolution, so the browser may drop the cookie up to a second early.
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(4);

    private IBrowserContext _context = null!;

    public async Task InitializeAsync() => _context = await chromium.Browser.NewContextAsync();

    public async Task DisposeAsync() => await _context.DisposeAsync();

    [Fact]
    public async Task A_session_used_every_half_idle_timeout_survives_three_idle_timeouts_and_ends_after_an_idle_timeout_unused()
    {
        await using var server = await IdleTimeoutServer.StartAsync(IdleTimeout);
        var page = await _context.NewPageAsync();
        var value = Guid.NewGuid().ToString("N");

        await page.GotoAsync(new Uri(server.Address, "/set?value=" + value).ToString());
        Assert.Equal(value, await ValueAsync(page));
        var cookie = Assert.Single(await _context.CookiesAsync()).Value;

        // Read-only requests, each starting IdleTimeout/2 after the previous one started (so a
        // slow response does not push the next one later), for three idle timeouts: each one
        // must find the session, although the first cookie's Expires passed long ago.
        var activity = Stopwatch.StartNew();
        var interval = IdleTimeout / 2;
        for (var i = 1; i <= 6; i++)
        {
            var wait = (interval * i) - activity.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }

            await page.GotoAsync(server.Address.ToString());
            Assert.True(
                await ValueAsync(page) == value,
                $"Request {i}, {activity.Elapsed.TotalSeconds:F1} s into the activity, found a new session: the cookie did not slide.");
            Assert.Equal(cookie, Assert.Single(await _context.CookiesAsync()).Value);
        }

        // Idle for well over an idle timeout: the browser drops the cookie, and the server ends
        // the session, so the next request starts a new one without the value.
        await Task.Delay(IdleTimeout * 1.75);
        Assert.Empty(await _context.CookiesAsync());
        await page.GotoAsync(server.Address.ToString());
        Assert.Equal("none", await ValueAsync(page));
    }

    private static async Task<string> ValueAsync(IPage page) =>
        await page.Locator("#value").TextContentAsync() ?? throw new InvalidOperationException($"The page at {page.Url} has no #value.");
}
