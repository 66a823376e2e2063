using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tessera.Interop.Tests;

/// <summary>
/// Requests to one side's endpoints with the Cookie header set by hand (no cookie container), so
/// that a test decides which cookie goes to which app.
/// </summary>
public sealed class SessionClient : IDisposable
{
    private readonly HttpClient _client;
    private readonly string _cookieName;

    internal SessionClient(string side, Uri address, string cookieName)
    {
        Side = side;
        _cookieName = cookieName;
        _client = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false })
        {
            BaseAddress = address,
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    /// <summary>"node" or "dotnet", for messages.</summary>
    public string Side { get; }

    /// <summary>GET /id.</summary>
    public Task<Reply> IdAsync(string? cookie) => SendAsync(HttpMethod.Get, "id", cookie);

    /// <summary>GET /get: the session's ID and values.</summary>
    public Task<Reply> GetAsync(string? cookie) => SendAsync(HttpMethod.Get, "get", cookie);

    /// <summary>POST /set: merges the values into the session.</summary>
    public Task<Reply> SetAsync(string? cookie, object values) => SendAsync(HttpMethod.Post, "set", cookie, values);

    /// <summary>POST /set-date: stores each ISO string as a date (a JavaScript <c>Date</c>, a <see cref="DateTimeOffset"/>).</summary>
    public Task<Reply> SetDatesAsync(string? cookie, object isoStrings) => SendAsync(HttpMethod.Post, "set-date", cookie, isoStrings);

    /// <summary>GET /date: a value read back as a date, in JavaScript's ISO format.</summary>
    public Task<Reply> DateAsync(string? cookie, string key) => SendAsync(HttpMethod.Get, "date?key=" + Uri.EscapeDataString(key), cookie);

    /// <summary>POST /destroy.</summary>
    public Task<Reply> DestroyAsync(string? cookie) => SendAsync(HttpMethod.Post, "destroy", cookie, new { });

    /// <summary>POST /regenerate: a new, empty session under a new ID, then the values merged into it.</summary>
    public Task<Reply> RegenerateAsync(string? cookie, object values) => SendAsync(HttpMethod.Post, "regenerate", cookie, values);

    /// <summary>Any request.</summary>
    public async Task<Reply> SendAsync(HttpMethod method, string path, string? cookie, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (cookie is not null)
        {
            request.Headers.TryAddWithoutValidation("Cookie", cookie);
        }

        if (body is not null)
        {
            request.Content = body is JsonNode node
                ? new StringContent(node.ToJsonString(), System.Text.Encoding.UTF8, "application/json")
                : JsonContent.Create(body, body.GetType(), options: JsonSerializerOptions.Web);
        }

        using var response = await _client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new HttpRequestException($"{Side} answered {method} /{path} with {(int)response.StatusCode}: {text}");
        }

        var setCookie = response.Headers.TryGetValues("Set-Cookie", out var lines)
            ? lines.FirstOrDefault(line => line.StartsWith(_cookieName + "=", StringComparison.Ordinal))
            : null;
        return new Reply(JsonNode.Parse(text), setCookie);
    }

    public void Dispose() => _client.Dispose();
}

/// <summary>An answer: its JSON body and the session cookie's Set-Cookie line, if one was sent.</summary>
public sealed record Reply(JsonNode? Body, string? SetCookie)
{
    /// <summary>The <c>name=value</c> pair of the Set-Cookie line: what a browser sends back.</summary>
    public string? Cookie => SetCookie?.Split(';', 2)[0];

    /// <summary>The session ID in the body.</summary>
    public string Id => (string?)Body?["id"] ?? throw new InvalidOperationException($"The answer has no id: {Body?.ToJsonString()}");

    /// <summary>The session's values in the body.</summary>
    public JsonObject Values => Body?["values"] as JsonObject ?? throw new InvalidOperationException($"The answer has no values: {Body?.ToJsonString()}");
}
