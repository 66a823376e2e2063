using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Tessera.Tests.DependencyInjection;

public sealed class TesseraOptionsValidatorTests
{
    private static async Task<OptionsValidationException> StartupFailureAsync(Action<TesseraOptions> configure)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddTessera(configure);
        await using var app = builder.Build();
        return await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            app.UseTessera();
            await app.StartAsync();
        });
    }

    public static TheoryData<string, Action<TesseraOptions>> InvalidOptions => new()
    {
        { "TesseraOptions.Secrets", o => { } },
        { "TesseraOptions.Secrets", o => o.Secrets = [] },
        { "TesseraOptions.Secrets", o => o.Secrets = ["good", ""] },
        { "TesseraOptions.Name", o => { o.Secrets = ["s"]; o.Name = "bad name"; } },
        { "TesseraOptions.Name", o => { o.Secrets = ["s"]; o.Name = ""; } },
        { "TesseraOptions.Cookie.Path", o => { o.Secrets = ["s"]; o.Cookie.Path = "/a;b"; } },
        { "TesseraOptions.Cookie.Path", o => { o.Secrets = ["s"]; o.Cookie.Path = "/\n"; } },
        { "TesseraOptions.Cookie.Path", o => { o.Secrets = ["s"]; o.Cookie.Path = ""; } },
        { "TesseraOptions.Cookie.Domain", o => { o.Secrets = ["s"]; o.Cookie.Domain = "exa mple.com"; } },
        { "TesseraOptions.Cookie.Domain", o => { o.Secrets = ["s"]; o.Cookie.Domain = "example.com;evil"; } },
        { "TesseraOptions.Cookie.MaxAge", o => { o.Secrets = ["s"]; o.Cookie.MaxAge = TimeSpan.FromSeconds(-1); } },
        { "TesseraOptions.Cookie.SameSite", o => { o.Secrets = ["s"]; o.Cookie.SameSite = SameSiteMode.None; } },
        { "TesseraOptions.Cookie.Partitioned", o => { o.Secrets = ["s"]; o.Cookie.Partitioned = true; } },
        { "TesseraOptions.Unset", o => { o.Secrets = ["s"]; o.Unset = (UnsetBehavior)7; } },
        { "TesseraOptions.Secrets", o => o.Secrets = null! },
        { "TesseraOptions.Cookie", o => { o.Secrets = ["s"]; o.Cookie = null!; } },
        { "TesseraOptions.Cookie.Secure", o => { o.Secrets = ["s"]; o.Cookie.Secure = (CookieSecurePolicy)9; } },
        { "TesseraOptions.JsonSerializerOptions", o => { o.Secrets = ["s"]; o.JsonSerializerOptions = null!; } },
        { "TesseraOptions.IdleTimeout", o => { o.Secrets = ["s"]; o.IdleTimeout = TimeSpan.Zero; } },
        { "TesseraOptions.AbsoluteTimeout", o => { o.Secrets = ["s"]; o.AbsoluteTimeout = TimeSpan.FromSeconds(-1); } },
        { "TesseraOptions.StoreTimeout", o => { o.Secrets = ["s"]; o.StoreTimeout = TimeSpan.Zero; } },
        { "TesseraOptions.IdleTimeout and TesseraOptions.Cookie.MaxAge", o => { o.Secrets = ["s"]; o.IdleTimeout = TimeSpan.FromMinutes(20); o.Cookie.MaxAge = TimeSpan.FromMinutes(20); } },
        { "TesseraOptions.TouchAfter", o => { o.Secrets = ["s"]; o.TouchAfter = TimeSpan.FromSeconds(-1); } },
        { "TesseraOptions.TouchAfter", o => { o.Secrets = ["s"]; o.IdleTimeout = TimeSpan.FromMinutes(20); o.TouchAfter = TimeSpan.FromMinutes(20); } },
        { "TesseraOptions.TouchAfter", o => { o.Secrets = ["s"]; o.Cookie.MaxAge = TimeSpan.FromMinutes(20); o.TouchAfter = TimeSpan.FromMinutes(30); } },
        { "TesseraOptions.RenewGracePeriod", o => { o.Secrets = ["s"]; o.RenewGracePeriod = TimeSpan.FromSeconds(-1); } },
        { "TesseraOptions.StoreFailure", o => { o.Secrets = ["s"]; o.StoreFailure = (StoreFailure)7; } },
        { "TesseraOptions.Cookie.MaxAge", o => { o.Secrets = ["s"]; o.Cookie.MaxAge = TimeSpan.FromDays(401); } },
        { "TesseraOptions.Cookie.MaxAge", o => { o.Secrets = ["s"]; o.Cookie.MaxAge = TimeSpan.MaxValue; } },
        { "TesseraOptions.IdleTimeout", o => { o.Secrets = ["s"]; o.IdleTimeout = TimeSpan.FromDays(401); } },
        { "TesseraOptions.IdleTimeout", o => { o.Secrets = ["s"]; o.IdleTimeout = TimeSpan.MaxValue; } },
        { "TesseraOptions.AbsoluteTimeout", o => { o.Secrets = ["s"]; o.AbsoluteTimeout = TimeSpan.MaxValue; } },
        { "TesseraOptions.TouchAfter", o => { o.Secrets = ["s"]; o.TouchAfter = TimeSpan.MaxValue; } },
        { "TesseraOptions.RenewGracePeriod", o => { o.Secrets = ["s"]; o.RenewGracePeriod = TimeSpan.MaxValue; } },
        { "TesseraOptions.StoreTimeout", o => { o.Secrets = ["s"]; o.StoreTimeout = TimeSpan.FromMinutes(6); } },
        { "TesseraOptions.StoreTimeout", o => { o.Secrets = ["s"]; o.StoreTimeout = TimeSpan.MaxValue; } },
    };

    [Fact]
    public async Task Lifetimes_of_400_days_and_a_store_timeout_of_5_minutes_are_accepted()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddTessera(o =>
        {
            o.Secrets = ["s"];
            o.Cookie.MaxAge = TimeSpan.FromDays(400);
            o.AbsoluteTimeout = TimeSpan.FromDays(400);
            o.TouchAfter = TimeSpan.FromDays(399);
            o.RenewGracePeriod = TimeSpan.FromDays(400);
            o.StoreTimeout = TimeSpan.FromMinutes(5);
        });
        await using var app = builder.Build();
        app.UseTessera();

        await app.StartAsync();
        await app.StopAsync();
    }

    [Fact]
    public async Task A_lifetime_past_the_bound_fails_with_a_message_giving_the_400_day_browser_cap()
    {
        var failure = await StartupFailureAsync(o =>
        {
            o.Secrets = ["s"];
            o.IdleTimeout = TimeSpan.FromDays(500);
        });

        Assert.Contains("TesseraOptions.IdleTimeout must be at most 400 days, the longest lifetime browsers give a cookie.", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public async Task Invalid_options_fail_at_startup_with_a_message_naming_the_option(string option, Action<TesseraOptions> configure)
    {
        var failure = await StartupFailureAsync(configure);

        Assert.Contains(option, failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(CookieSecurePolicy.Always)]
    [InlineData(CookieSecurePolicy.SameAsRequest)]
    public async Task SameSite_none_and_partitioned_are_accepted_with_a_secure_cookie(CookieSecurePolicy secure)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddTessera(o =>
        {
            o.Secrets = ["s"];
            o.Cookie.Secure = secure;
            o.Cookie.SameSite = SameSiteMode.None;
            o.Cookie.Partitioned = true;
            o.Cookie.Domain = ".example.com";
        });
        await using var app = builder.Build();
        app.UseTessera();

        await app.StartAsync();
        await app.StopAsync();
    }

    [Fact]
    public void UseTessera_without_AddTessera_says_what_is_missing()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        var app = builder.Build();

        var failure = Assert.Throws<InvalidOperationException>(() => app.UseTessera());

        Assert.Contains("AddTessera", failure.Message, StringComparison.Ordinal);
    }
}
