using System.Net;

namespace ViewCounter.Tests;

/// <summary>The sample's sign-in pages: links, confirmations, antiforgery on the sign-out forms, and well-formed HTML.</summary>
public sealed class AccountTests(ViewCounterFactory factory) : IClassFixture<ViewCounterFactory>
{
    private const string ChromeOnLinux = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
    private const string SafariOnIPhone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

    private SignInClient Browser(string userAgent = ChromeOnLinux) => new(factory, userAgent);

    private static string UniqueName(string name) => $"{name}-{Guid.NewGuid():N}"[..20];

    [Fact]
    public async Task The_home_page_links_to_the_sign_in_page()
    {
        using var browser = Browser();

        var home = await browser.GetPageAsync("/");

        Assert.Contains("<a id=\"sign-in-link\" class=\"button\" href=\"/login\">Sign in</a>", home, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_page_is_well_formed_with_no_form_inside_a_paragraph()
    {
        using var browser = Browser();
        HtmlStructure.AssertWellFormed(await browser.GetPageAsync("/"));
        HtmlStructure.AssertWellFormed(await browser.GetPageAsync("/foo"));
        HtmlStructure.AssertWellFormed(await browser.GetPageAsync("/login"));

        HtmlStructure.AssertWellFormed(await browser.SignInAsync(UniqueName("carol")));
        HtmlStructure.AssertWellFormed(await browser.GetPageAsync("/"));
        HtmlStructure.AssertWellFormed(await browser.GetPageAsync("/signed-out"));
    }

    [Fact]
    public void The_structural_check_rejects_a_form_inside_a_paragraph()
    {
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() =>
            HtmlStructure.AssertWellFormed("<!doctype html><html><body><p>Text <form method=\"post\"><button>Go</button></form></p></body></html>"));
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => HtmlStructure.AssertWellFormed("<div><p>unclosed</div>"));
    }

    [Fact]
    public async Task Signing_out_confirms_it_and_ends_the_session()
    {
        using var browser = Browser();
        var account = await browser.SignInAsync(UniqueName("dave"));

        using var response = await browser.PostFormAsync("/logout", SignInClient.Token(account));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/signed-out", response.RequestMessage?.RequestUri?.AbsolutePath);
        Assert.Contains("You have signed out.", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("id=\"sign-in\"", await browser.GetPageAsync("/account"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/logout")]
    [InlineData("/account/sign-out-others")]
    public async Task A_sign_out_post_without_a_valid_antiforgery_token_is_rejected_and_signs_nobody_out(string path)
    {
        var name = UniqueName("erin");
        using var laptop = Browser();
        using var phone = Browser(SafariOnIPhone);
        await laptop.SignInAsync(name);
        await phone.SignInAsync(name);

        // A cross-site form: the browser's cookies go along, the page's token does not.
        using var missing = await laptop.PostFormAsync(path, token: null);
        using var forged = await laptop.PostFormAsync(path, ("__RequestVerificationToken", "forged"));

        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Contains($"id=\"user\">{name}<", await laptop.GetPageAsync("/account"), StringComparison.Ordinal);
        Assert.Contains($"id=\"user\">{name}<", await phone.GetPageAsync("/account"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Signing_out_the_other_sessions_says_how_many_in_good_english_once()
    {
        var name = UniqueName("frank");
        using var laptop = Browser();
        using var phone = Browser(SafariOnIPhone);
        using var tablet = Browser(SafariOnIPhone);
        var account = await laptop.SignInAsync(name);
        await phone.SignInAsync(name);

        var one = await SignOutOthersAsync(laptop, account);
        Assert.Contains("Signed out 1 other session.", one, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"notice\"", await laptop.GetPageAsync("/account"), StringComparison.Ordinal);
        Assert.Contains("id=\"sign-in\"", await phone.GetPageAsync("/account"), StringComparison.Ordinal);

        await phone.SignInAsync(name);
        await tablet.SignInAsync(name);
        var two = await SignOutOthersAsync(laptop, account);
        Assert.Contains("Signed out 2 other sessions.", two, StringComparison.Ordinal);

        var none = await SignOutOthersAsync(laptop, account);
        Assert.Contains("There were no other sessions to sign out.", none, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_account_page_describes_each_browser_in_a_few_words()
    {
        var name = UniqueName("grace");
        using var laptop = Browser(ChromeOnLinux);
        using var phone = Browser(SafariOnIPhone);
        await phone.SignInAsync(name);

        var account = await laptop.SignInAsync(name);

        Assert.Contains("<td>Chrome on Linux <em>(this one)</em></td>", account, StringComparison.Ordinal);
        Assert.Contains("<td>Safari on iOS</td>", account, StringComparison.Ordinal);
        Assert.DoesNotContain("Mozilla/5.0", account, StringComparison.Ordinal);
    }

    private static async Task<string> SignOutOthersAsync(SignInClient browser, string accountPage)
    {
        var response = await browser.PostFormAsync("/account/sign-out-others", SignInClient.Token(accountPage));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await SignInClient.ReadAndDisposeAsync(response);
    }
}
