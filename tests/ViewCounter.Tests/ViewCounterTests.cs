using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;

namespace ViewCounter.Tests;

public sealed partial class ViewCounterTests : IClassFixture<ViewCounterFactory>
{
    private readonly ViewCounterFactory _factory;

    public ViewCounterTests(ViewCounterFactory factory)
    {
        _factory = factory;
    }

    private HttpClient Browser() => _factory.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = true });

    private static async Task<(int Views, string Page)> ViewsAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var page = await response.Content.ReadAsStringAsync();
        return (int.Parse(ViewsPattern().Match(page).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), page);
    }

    [Fact]
    public async Task The_home_page_counts_views_and_shows_the_time_left()
    {
        using var client = Browser();

        var (first, _) = await ViewsAsync(client, "/");
        var (second, page) = await ViewsAsync(client, "/");

        Assert.Equal(1, first);
        Assert.Equal(2, second);
        Assert.Matches("id=\"expires\">(60|59) s<", page);
    }

    [Fact]
    public async Task Foo_and_bar_count_their_views_separately()
    {
        using var client = Browser();

        Assert.Equal(1, (await ViewsAsync(client, "/foo")).Views);
        Assert.Equal(2, (await ViewsAsync(client, "/foo")).Views);
        Assert.Equal(1, (await ViewsAsync(client, "/bar")).Views);
        Assert.Equal(3, (await ViewsAsync(client, "/foo")).Views);
    }

    [Fact]
    public async Task Two_browsers_have_separate_sessions()
    {
        using var alice = Browser();
        using var bob = Browser();

        await ViewsAsync(alice, "/");
        await ViewsAsync(alice, "/");

        Assert.Equal(1, (await ViewsAsync(bob, "/")).Views);
    }

    [GeneratedRegex("id=\"views\">(\\d+)<")]
    private static partial Regex ViewsPattern();
}
