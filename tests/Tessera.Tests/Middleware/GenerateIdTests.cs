using Microsoft.AspNetCore.Http;
using Tessera.Tests.Infrastructure;

namespace Tessera.Tests.Middleware;

public sealed class GenerateIdTests
{
    [Fact]
    public async Task GenerateId_gets_the_request_and_its_value_becomes_the_id_and_the_cookie()
    {
        HttpContext? seen = null;
        await using var app = await TestApp.StartAsync(
            o =>
            {
                o.SaveUninitialized = true;
                o.GenerateId = context =>
                {
                    seen = context;
                    return "user-" + context.Request.Query["tenant"];
                };
            },
            context => context.Response.WriteAsync(context.GetSession().Id));

        var response = await app.GetAsync("/?tenant=acme");

        Assert.NotNull(seen);
        Assert.Equal("user-acme", await response.Content.ReadAsStringAsync());
        Assert.Equal("user-acme", SetCookie.SessionId(SetCookie.Require(response)));
        Assert.NotNull(await app.Store.GetAsync("user-acme"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public async Task An_empty_generated_id_leaves_a_session_that_works_for_the_request_but_is_not_saved_or_sent(string? generated)
    {
        await using var app = await TestApp.StartAsync(
            o =>
            {
                o.GenerateId = _ => generated!;
                o.SaveUninitialized = true;
            },
            context =>
            {
                context.Session.SetString("name", "value");
                return context.Response.WriteAsync(context.Session.GetString("name") + "|" + context.Session.Id.Length);
            });

        var response = await app.GetAsync();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("value|0", await response.Content.ReadAsStringAsync());
        Assert.Null(SetCookie.First(response));
        Assert.Equal(0, await ((IEnumerableSessionStore)app.Store).CountAsync());
    }

    [Fact]
    public async Task The_default_id_is_32_base64url_characters_and_never_repeats()
    {
        await using var app = await TestApp.StartAsync(o => o.SaveUninitialized = true);
        var ids = new HashSet<string>();

        for (var i = 0; i < 50; i++)
        {
            var id = SetCookie.SessionId(SetCookie.Require(await app.GetAsync()));
            Assert.Matches("^[A-Za-z0-9_-]{32}$", id);
            Assert.True(ids.Add(id));
        }
    }
}
