using Microsoft.AspNetCore.Http;
using Tessera.Tests.Infrastructure;

namespace Tessera.Tests.Middleware;

public sealed class SmokeTests
{
    [Fact]
    public async Task A_counter_persists_across_requests_through_the_cookie()
    {
        await using var app = await TestApp.StartAsync(null, async context =>
        {
            var session = context.GetSession();
            var views = session.Get<int>("views") + 1;
            session.Set("views", views);
            await context.Response.WriteAsync($"views: {views}");
        });

        var first = await app.GetAsync();
        var cookie = SetCookie.Require(first);
        Assert.Equal("views: 1", await first.Content.ReadAsStringAsync());

        var second = await app.GetAsync("/", cookie);
        Assert.Equal("views: 2", await second.Content.ReadAsStringAsync());
    }
}

