using Microsoft.AspNetCore.Http;
using Tessera.Tests.Infrastructure;

namespace Tessera.Tests.Conformance;

/// <summary>express-session's <c>genid option</c>: <see cref="TesseraOptions.GenerateId"/>.</summary>
public sealed class GenidOptionTests
{
    // express-session #78 (the nearest check: a generator must produce an ID)
    [Fact]
    public async Task A_generator_that_returns_no_id_fails_the_request()
    {
        var errors = new ErrorSink();
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(o => o.GenerateId = _ => string.Empty), before: errors.Install);

        var response = await app.GetAsync();

        Assert.Equal(500, (int)response.StatusCode);
        Assert.Contains("GenerateId", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Null(SetCookie.First(response));
    }

    // express-session #79
    [Fact]
    public async Task Provides_a_default_generator()
    {
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults());

        var response = await app.GetAsync();

        Assert.Equal(200, (int)response.StatusCode);
        var cookie = SetCookie.Require(response);
        Assert.Equal("connect.sid", SetCookie.Name(cookie));
        Assert.Matches("^[A-Za-z0-9_-]{32}$", SetCookie.SessionId(cookie));
    }

    // express-session #80
    [Fact]
    public async Task Allows_a_custom_generator()
    {
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(o => o.GenerateId = _ => "apple"));

        var response = await app.GetAsync();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("s%3Aapple.D8Y%2BpkTAmeR0PobOhY4G97PRW%2Bj7bUnP%2F5m6%2FOn1MCU", SetCookie.Value(SetCookie.Require(response)));
    }

    // express-session #81
    [Fact]
    public async Task Encodes_unsafe_characters_of_a_custom_id()
    {
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(o => o.GenerateId = _ => "%"));

        var response = await app.GetAsync();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("s%3A%25.kzQ6x52kKVdF35Qh62AWk4ZekS28K5XYCXKa%2FOTZ01g", SetCookie.Value(SetCookie.Require(response)));
    }

    // express-session #82
    [Fact]
    public async Task The_generator_is_given_the_request()
    {
        await using var app = await TestApp.StartAsync(ExpressHarness.Defaults(o => o.GenerateId = context => context.Request.Path.Value!));

        var response = await app.GetAsync("/foo");

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("s%3A%2Ffoo.paEKBtAHbV5s1IB8B2zPnzAgYmmnRPIqObW4VRYj%2FMQ", SetCookie.Value(SetCookie.Require(response)));
    }
}
