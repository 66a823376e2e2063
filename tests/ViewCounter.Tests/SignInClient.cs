using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;

namespace ViewCounter.Tests;

/// <summary>A browser of the sample: keeps its cookies, sends a User-Agent, signs in and posts its forms.</summary>
internal sealed partial class SignInClient : IDisposable
{
    private readonly HttpClient _http;

    public SignInClient(ViewCounterFactory factory, string userAgent)
    {
        _http = factory.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = true, AllowAutoRedirect = true });
        _http.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", userAgent);
    }

    public async Task<string> GetPageAsync(string path)
    {
        using var response = await _http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>Signs in through the form; returns the account page.</summary>
    public async Task<string> SignInAsync(string name)
    {
        var login = await GetPageAsync("/login");
        return await PostFormAsync("/login", Token(login), ("name", name)) is { StatusCode: HttpStatusCode.OK } response
            ? await ReadAndDisposeAsync(response)
            : throw new InvalidOperationException("Signing in failed.");
    }

    /// <summary>Posts a form with the given antiforgery field (or none), as the page or a cross-site page would.</summary>
    public async Task<HttpResponseMessage> PostFormAsync(string path, (string Name, string Value)? token, params (string Name, string Value)[] fields)
    {
        var values = fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)).ToList();
        if (token is { } t)
        {
            values.Add(new KeyValuePair<string, string>(t.Name, t.Value));
        }

        using var content = new FormUrlEncodedContent(values);
        return await _http.PostAsync(path, content);
    }

    /// <summary>The antiforgery field of a page's forms.</summary>
    public static (string Name, string Value) Token(string page)
    {
        var match = TokenField().Match(page);
        Assert.True(match.Success, "The page has no antiforgery field.");
        return (match.Groups[1].Value, WebUtility.HtmlDecode(match.Groups[2].Value));
    }

    public static async Task<string> ReadAndDisposeAsync(HttpResponseMessage response)
    {
        using (response)
        {
            return await response.Content.ReadAsStringAsync();
        }
    }

    public void Dispose() => _http.Dispose();

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]+)\">")]
    private static partial Regex TokenField();
}
