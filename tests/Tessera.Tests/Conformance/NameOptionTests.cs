using Tessera.Tests.Infrastructure;

namespace Tessera.Tests.Conformance;

/// <summary>express-session's <c>key option</c> and <c>name option</c>: <see cref="TesseraOptions.Name"/>.</summary>
public sealed class NameOptionTests
{
    // express-session #83, #85
    [Fact]
    public async Task The_cookie_name_defaults_to_connect_sid()
    {
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults());

        var response = await app.GetAsync();

        Assert.Equal("connect.sid", SetCookie.Name(SetCookie.Require(response)));
        Assert.Equal("connect.sid", TesseraOptions.DefaultName);
    }

    // express-session #86
    [Fact]
    public async Task Name_sets_the_cookie_name()
    {
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(o => o.Name = "session_id"));

        var response = await app.GetAsync();

        Assert.Equal("session_id", SetCookie.Name(SetCookie.Require(response)));
    }
}
