using System.Globalization;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http;
using StackExchange.Redis;

namespace Tessera.Benchmarks;

/// <summary>
/// One request through the whole middleware on <see cref="RedisStore"/>, in-process against a
/// real redis-server (<see cref="RedisProcess"/>), for each scenario, against the Redis floor:
/// the same handler making only the round trips a session needs (new visitor: <c>SET … EX</c>;
/// read-modify-write: <c>GET</c> + <c>SET … EX</c>; read-only: <c>GET</c>), with no cookie
/// signing and no JSON. What the middleware costs beyond the round trips, without a server's
/// sockets around it. Returning visitors cycle through 256 sessions.
/// </summary>
[MemoryDiagnoser]
public class RedisMiddlewareBenchmarks : ScenarioBenchmarks
{
    private static readonly TimeSpan Lifetime = TypicalSession.MaxAge;

    private RedisProcess _server = null!;
    private ConnectionMultiplexer _connection = null!;
    private InProcessApp _floor = null!;
    private InProcessApp _tessera = null!;
    private string[] _cookies = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        _server = await RedisProcess.StartAsync();
        _connection = await ConnectionMultiplexer.ConnectAsync(_server.Configuration);
        _floor = InProcessApp.Create(withTessera: false, Floor(_connection.GetDatabase()));
        _tessera = InProcessApp.Create(withTessera: true, Handlers.WithSession(), b => b.AddRedisStore(_server.Configuration));

        // Returning visitors: sessions made by new visitors. The floor reads and writes the same keys.
        _cookies = await _tessera.NewSessionCookiesAsync(Sessions);
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _floor.DisposeAsync();
        await _tessera.DisposeAsync();
        await _connection.DisposeAsync();
        _server.Dispose();
    }

    [Benchmark(Baseline = true, Description = "Redis floor")]
    public Task RedisFloor() =>
        _floor.SendAsync(Path, NextCookie(_cookies));

    [Benchmark(Description = "Tessera on RedisStore")]
    public Task WithTessera() =>
        _tessera.SendAsync(Path, NextCookie(_cookies));

    /// <summary>The floor's handler: the session's round trips on the cookie's key, a stand-in document, no signing, no JSON.</summary>
    private static RequestDelegate Floor(IDatabase database) => async context =>
    {
        int views;
        switch (context.Request.Path.Value)
        {
            case "/new":
                var id = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
                views = 1;
                await database.StringSetAsync("sess:" + id, Document(views), Lifetime);
                context.Response.Headers.SetCookie = "connect.sid=s%3A" + id + "; Path=/; HttpOnly";
                break;
            case "/rmw":
                var key = KeyOf(context);
                views = Views(await database.StringGetAsync(key)) + 1;
                await database.StringSetAsync(key, Document(views), Lifetime);
                break;
            default:
                views = Views(await database.StringGetAsync(KeyOf(context)));
                break;
        }

        await Handlers.WriteAsync(context, views);
    };

    private static RedisKey KeyOf(HttpContext context)
    {
        // connect.sid=s%3A<id>.<signature>: the ID, unverified.
        var cookie = context.Request.Headers.Cookie.ToString();
        return "sess:" + cookie[(cookie.IndexOf("s%3A", StringComparison.Ordinal) + 4)..cookie.LastIndexOf('.')];
    }

    private static RedisValue Document(int views) =>
        "{\"cookie\":{\"originalMaxAge\":3600000,\"expires\":\"2099-01-01T00:00:00.000Z\",\"httpOnly\":true,\"path\":\"/\"},\"views\":"
        + views.ToString(CultureInfo.InvariantCulture) + "}";

    private static int Views(RedisValue document)
    {
        var text = document.IsNull ? null : (string?)document;
        var at = text?.LastIndexOf("\"views\":", StringComparison.Ordinal) ?? -1;
        return at < 0 ? 0 : int.Parse(text.AsSpan(at + 8).TrimEnd('}'), CultureInfo.InvariantCulture);
    }
}
