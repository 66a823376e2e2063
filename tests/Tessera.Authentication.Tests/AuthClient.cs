namespace Tessera.Authentication.Tests;

/// <summary>One browser of the test app: it keeps the authentication cookie the app sets, as a browser would.</summary>
internal sealed class AuthClient(HttpClient http, string cookieName)
{
    /// <summary>The authentication cookie's value, or <see langword="null"/> when the app has not set one or has deleted it.</summary>
    public string? Cookie { get; set; }

    /// <summary>The User-Agent the browser sends, if any.</summary>
    public string? UserAgent { get; set; }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(method, path);
        if (Cookie is not null)
        {
            request.Headers.Add("Cookie", $"{cookieName}={Cookie}");
        }

        if (UserAgent is not null)
        {
            request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
        }

        var response = await http.SendAsync(request, cancellationToken);
        if (response.Headers.TryGetValues("Set-Cookie", out var cookies))
        {
            foreach (var header in cookies)
            {
                Remember(header);
            }
        }

        return response;
    }

    /// <summary>The signed-in user the app sees, or <c>anonymous</c>.</summary>
    public async Task<string> WhoAmIAsync()
    {
        using var response = await SendAsync(HttpMethod.Get, "/me");
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    public async Task SignInAsync(string user)
    {
        using var response = await SendAsync(HttpMethod.Post, "/sign-in/" + user);
        response.EnsureSuccessStatusCode();
        Assert.NotNull(Cookie);
    }

    public async Task SignOutAsync()
    {
        using var response = await SendAsync(HttpMethod.Post, "/sign-out");
        response.EnsureSuccessStatusCode();
    }

    private void Remember(string header)
    {
        var nameValue = header.Split(';', 2)[0];
        var equals = nameValue.IndexOf('=', StringComparison.Ordinal);
        if (equals < 0 || nameValue[..equals] != cookieName)
        {
            return;
        }

        var value = nameValue[(equals + 1)..];
        var deleted = header.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase);
        Cookie = value.Length == 0 || deleted ? null : value;
    }
}
