using System.Globalization;
using Microsoft.Playwright;

namespace ViewCounter.BrowserTests;

/// <summary>The sample in a real browser: the counter, the cookie, and sessions that outlive a restart.</summary>
public sealed class ViewCounterBrowserTests(Chromium chromium) : IClassFixture<Chromium>, IAsyncLifetime
{
    // The sample's cookie: MaxAge one minute, SameSite Lax (its defaults), express-session's name.
    private static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(1);
    private const string CookieName = "connect.sid";

    private readonly string _folder = Directory.CreateTempSubdirectory("viewcounter-browser-").FullName;
    private IBrowserContext _context = null!;

    private string SqlitePath => Path.Combine(_folder, "sessions.db");

    public async Task InitializeAsync() => _context = await chromium.Browser.NewContextAsync();

    public async Task DisposeAsync()
    {
        await _context.DisposeAsync();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still open; the system cleans its temporary folder.
        }
    }

    [Fact]
    public async Task The_counter_rises_on_every_reload()
    {
        await using var server = await SampleServer.StartAsync(SqlitePath);
        var page = await _context.NewPageAsync();

        await page.GotoAsync(server.Address.ToString());
        Assert.Equal(1, await ViewsAsync(page));

        await page.ReloadAsync();
        Assert.Equal(2, await ViewsAsync(page));

        await page.ReloadAsync();
        Assert.Equal(3, await ViewsAsync(page));
    }

    [Fact]
    public async Task The_session_cookie_is_HttpOnly_SameSite_Lax_on_the_root_path_and_expires_after_MaxAge()
    {
        await using var server = await SampleServer.StartAsync(SqlitePath);
        var page = await _context.NewPageAsync();

        await page.GotoAsync(server.Address.ToString());
        var loaded = DateTimeOffset.UtcNow;

        var cookie = Assert.Single(await _context.CookiesAsync([server.Address.ToString()]));
        Assert.Equal(CookieName, cookie.Name);
        Assert.StartsWith("s%3A", cookie.Value, StringComparison.Ordinal);
        Assert.Equal("127.0.0.1", cookie.Domain);
        Assert.Equal("/", cookie.Path);
        Assert.True(cookie.HttpOnly);
        Assert.False(cookie.Secure);
        Assert.Equal(SameSiteAttribute.Lax, cookie.SameSite);

        // Expires: Playwright's Cookie.Expires is a float, which holds today's Unix time only to
        // the nearest 128 s; Chromium's own value, over CDP, is exact, and the float must round it.
        var expires = await ExactExpiresAsync(page, server.Address);
        Assert.InRange(expires, loaded + MaxAge - TimeSpan.FromSeconds(15), loaded + MaxAge + TimeSpan.FromSeconds(2));
        Assert.InRange(cookie.Expires, (float)(expires.ToUnixTimeSeconds() - 64), (float)(expires.ToUnixTimeSeconds() + 64));

        // HttpOnly: the page's scripts cannot see it.
        Assert.DoesNotContain(CookieName, await page.EvaluateAsync<string>("document.cookie"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_count_continues_after_the_server_is_killed_and_started_again_on_the_same_file()
    {
        var server = await SampleServer.StartAsync(SqlitePath);
        await using (server)
        {
            var page = await _context.NewPageAsync();
            await page.GotoAsync(server.Address.ToString());
            await page.ReloadAsync();
            Assert.Equal(2, await ViewsAsync(page));
            var before = Assert.Single(await _context.CookiesAsync()).Value;

            await server.KillAsync();
            await server.StartAsync();

            await page.ReloadAsync();
            Assert.Equal(3, await ViewsAsync(page));
            await page.ReloadAsync();
            Assert.Equal(4, await ViewsAsync(page));
            Assert.Equal(before, Assert.Single(await _context.CookiesAsync()).Value);
        }
    }

    /// <summary>The session cookie's expiry as Chromium holds it (CDP's Network.getCookies, in seconds as a double).</summary>
    private async Task<DateTimeOffset> ExactExpiresAsync(IPage page, Uri address)
    {
        var cdp = await _context.NewCDPSessionAsync(page);
        var result = await cdp.SendAsync("Network.getCookies", new Dictionary<string, object> { ["urls"] = new[] { address.ToString() } })
            ?? throw new InvalidOperationException("Chromium answered Network.getCookies with nothing.");
        var cookie = result.GetProperty("cookies").EnumerateArray().Single(c => c.GetProperty("name").GetString() == CookieName);
        return DateTimeOffset.FromUnixTimeMilliseconds((long)(cookie.GetProperty("expires").GetDouble() * 1000));
    }

    private static async Task<int> ViewsAsync(IPage page)
    {
        var text = await page.Locator("#views").TextContentAsync();
        Assert.False(string.IsNullOrEmpty(text), $"The page at {page.Url} has no #views:\n{await page.ContentAsync()}");
        return int.Parse(text, CultureInfo.InvariantCulture);
    }
}
