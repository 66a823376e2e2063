using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace ViewCounter.BrowserTests;

/// <summary>The sample's sign-in flow in two real browser profiles: "sign out other sessions" signs the other one out.</summary>
public sealed class SignInBrowserTests(Chromium chromium) : IClassFixture<Chromium>, IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("viewcounter-signin-").FullName;
    private IBrowserContext _laptop = null!;
    private IBrowserContext _phone = null!;

    public async Task InitializeAsync()
    {
        _laptop = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions { UserAgent = "Laptop browser" });
        _phone = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions { UserAgent = "Phone browser" });
    }

    public async Task DisposeAsync()
    {
        await _laptop.DisposeAsync();
        await _phone.DisposeAsync();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still open; the system cleans its temporary folder.
        }
    }

    private static async Task<IPage> SignInAsync(IBrowserContext context, Uri site, string name)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(site, "/login").ToString());
        await page.FillAsync("#name", name);
        await page.ClickAsync("#sign-in");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/account$"));
        return page;
    }

    private static async Task<IReadOnlyList<string>> SessionsAsync(IPage page) =>
        await page.Locator("#sessions tr.session td:first-child").AllTextContentsAsync();

    [Fact]
    public async Task Signing_out_the_other_sessions_from_one_browser_signs_the_second_browser_out()
    {
        await using var server = await SampleServer.StartAsync(Path.Combine(_folder, "sessions.db"));
        var laptop = await SignInAsync(_laptop, server.Address, "alice");
        var phone = await SignInAsync(_phone, server.Address, "alice");
        Assert.Equal("alice", await phone.Locator("#user").TextContentAsync());

        await laptop.ReloadAsync();
        var listed = await SessionsAsync(laptop);
        Assert.Equal(2, listed.Count);
        Assert.Contains(listed, s => s.StartsWith("Laptop browser", StringComparison.Ordinal) && s.Contains("(this one)", StringComparison.Ordinal));
        Assert.Contains(listed, s => s.StartsWith("Phone browser", StringComparison.Ordinal) && !s.Contains("(this one)", StringComparison.Ordinal));

        await laptop.ClickAsync("#sign-out-others");
        await Assertions.Expect(laptop.Locator("#sessions tr.session")).ToHaveCountAsync(1);
        Assert.Equal(["Laptop browser (this one)"], await SessionsAsync(laptop));

        await phone.ReloadAsync();
        await Assertions.Expect(phone).ToHaveURLAsync(new Regex("/login$"));
        Assert.Equal(1, await phone.Locator("#sign-in").CountAsync());

        await laptop.ReloadAsync();
        Assert.Equal("alice", await laptop.Locator("#user").TextContentAsync());
    }

    [Fact]
    public async Task Signing_in_renews_the_session_id_and_signing_out_ends_the_session()
    {
        await using var server = await SampleServer.StartAsync(Path.Combine(_folder, "sessions.db"));
        var page = await _laptop.NewPageAsync();
        await page.GotoAsync(server.Address.ToString());
        var before = Assert.Single(await _laptop.CookiesAsync(), c => c.Name == "connect.sid").Value;

        await SignInAsync(_laptop, server.Address, "bob");
        var signedIn = Assert.Single(await _laptop.CookiesAsync(), c => c.Name == "connect.sid").Value;
        Assert.NotEqual(before, signedIn);

        var account = await _laptop.NewPageAsync();
        await account.GotoAsync(new Uri(server.Address, "/account").ToString());
        await account.ClickAsync("#sign-out");
        await Assertions.Expect(account).ToHaveURLAsync(new Regex("/$"));
        await account.GotoAsync(new Uri(server.Address, "/account").ToString());
        await Assertions.Expect(account).ToHaveURLAsync(new Regex("/login$"));
    }
}
