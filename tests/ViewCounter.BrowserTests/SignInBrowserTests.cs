using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace ViewCounter.BrowserTests;

/// <summary>
/// The sample's sign-in flow in two real browser profiles (a laptop and a phone): sign in from the
/// home page, "sign out other sessions" signs the other device out (its antiforgery token checked),
/// and sign out ends the session.
/// </summary>
public sealed class SignInBrowserTests(Chromium chromium) : IClassFixture<Chromium>, IAsyncLifetime
{
    private const string LaptopAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
    private const string PhoneAgent = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

    private readonly string _folder = Directory.CreateTempSubdirectory("viewcounter-signin-").FullName;
    private IBrowserContext _laptop = null!;
    private IBrowserContext _phone = null!;

    public async Task InitializeAsync()
    {
        _laptop = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions { UserAgent = LaptopAgent });
        _phone = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions { UserAgent = PhoneAgent });
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

    /// <summary>Signs in as a person would: the home page's link, the form, the account page.</summary>
    private static async Task<IPage> SignInAsync(IBrowserContext context, Uri site, string name)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync(site.ToString());
        await page.ClickAsync("#sign-in-link");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/login$"));
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
        Assert.Contains("Chrome on Linux (this one)", listed);
        Assert.Contains("Safari on iOS", listed);

        // A cross-site POST carries the laptop's cookies but not the page's token: rejected, nobody signed out.
        var forged = await _laptop.APIRequest.PostAsync(new Uri(server.Address, "/account/sign-out-others").ToString(),
            new APIRequestContextOptions { Form = _laptop.APIRequest.CreateFormData(), MaxRedirects = 0 });
        Assert.Equal(400, forged.Status);
        await phone.ReloadAsync();
        Assert.Equal("alice", await phone.Locator("#user").TextContentAsync());

        // The page's own form carries the token: the phone is signed out.
        await laptop.ClickAsync("#sign-out-others");
        await Assertions.Expect(laptop.Locator("#notice")).ToHaveTextAsync("Signed out 1 other session.");
        Assert.Equal(["Chrome on Linux (this one)"], await SessionsAsync(laptop));

        await phone.ReloadAsync();
        await Assertions.Expect(phone).ToHaveURLAsync(new Regex("/login$"));
        Assert.Equal(1, await phone.Locator("#sign-in").CountAsync());

        await laptop.ReloadAsync();
        Assert.Equal("alice", await laptop.Locator("#user").TextContentAsync());
        Assert.Equal(0, await laptop.Locator("#notice").CountAsync());
    }

    [Fact]
    public async Task Signing_in_renews_the_session_id_and_signing_out_ends_the_session()
    {
        await using var server = await SampleServer.StartAsync(Path.Combine(_folder, "sessions.db"));
        var page = await _laptop.NewPageAsync();
        await page.GotoAsync(server.Address.ToString());
        var before = Assert.Single(await _laptop.CookiesAsync(), c => c.Name == "connect.sid").Value;

        var account = await SignInAsync(_laptop, server.Address, "bob");
        var signedIn = Assert.Single(await _laptop.CookiesAsync(), c => c.Name == "connect.sid").Value;
        Assert.NotEqual(before, signedIn);

        await account.ClickAsync("#sign-out");
        await Assertions.Expect(account).ToHaveURLAsync(new Regex("/signed-out$"));
        await Assertions.Expect(account.Locator("#notice")).ToHaveTextAsync("You have signed out.");
        await account.GotoAsync(new Uri(server.Address, "/account").ToString());
        await Assertions.Expect(account).ToHaveURLAsync(new Regex("/login$"));
    }
}
