using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Tessera.StoreConformance;
using Tessera.TestServers;

namespace Tessera.Redis.Tests;

/// <summary>
/// StackExchange.Redis names the keys of the commands it gives up on (<c>next: GET sess:&lt;id&gt;</c>),
/// and the key is the session ID unless HashIdsInStore. Through a Redis outage, with requests
/// carrying the cookies of sessions made before it, no session ID reaches a log line (at any
/// level), an exception Tessera logs or throws, or a span.
/// </summary>
public sealed class RedisOutageLeakTests
{
    private static string Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static string Tag(string secret) => "[session:" + Hex(secret)[..8] + "]";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task No_session_id_reaches_a_log_an_exception_or_a_span_while_Redis_hangs_and_while_it_is_down(bool hashIdsInStore)
    {
        using var recorder = new LeakRecorder();
        await using var redis = await RedisServer.StartNewAsync();
        var configuration = ConfigurationOptions.Parse(redis.Configuration);
        configuration.AbortOnConnectFail = false;
        configuration.ConnectTimeout = 500;
        // Redis's own timeout first, with the command's key in its message. StackExchange.Redis
        // notices it on a heartbeat, up to a second late and later on a starved core, so the store
        // timeout is far beyond it: a request that ends by Tessera's timeout shows no key.
        configuration.AsyncTimeout = 500;
        await using var connection = await ConnectionMultiplexer.ConnectAsync(configuration);
        using var storeLogs = new LoggerFactory([recorder], new LoggerFilterOptions { MinLevel = LogLevel.Trace });
        await using var app = await KestrelSessionApp.StartAsync(
            new RedisStore(connection, logger: storeLogs.CreateLogger<RedisStore>()),
            o =>
            {
                o.StoreTimeout = TimeSpan.FromSeconds(10);
                o.StoreFailure = StoreFailure.Throw;
                o.HashIdsInStore = hashIdsInStore;
            },
            web => web.MapGet("/write", (Session session) =>
            {
                session.Set("n", session.Get<int>("n") + 1);
                return "ok";
            }),
            beforeSessions: web =>
            {
                recorder.Attach(web.Services);
                web.UseExceptionHandler(new ExceptionHandlerOptions
                {
                    // ASP.NET Core logs the exception too; the handler records it as the application sees it.
                    ExceptionHandler = context =>
                    {
                        if (context.Features.Get<IExceptionHandlerFeature>()?.Error is { } error)
                        {
                            recorder.RecordException("application", error);
                        }

                        context.Response.StatusCode = StatusCodes.Status500InternalServerError;
                        return Task.CompletedTask;
                    },
                });
            });

        var cookies = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            cookies.Add(KestrelSessionApp.CookieOf(await app.GetAsync("/write")));
        }

        var ids = cookies.Select(KestrelSessionApp.SessionIdOf).ToArray();
        var keys = hashIdsInStore ? ids.Select(Hex).ToArray() : ids;

        // Hung: connections open, nothing answers. The requests overlap, so each command waits behind the others.
        await redis.PauseAsync();
        await SendAllAsync(app, cookies);
        await redis.ResumeAsync();

        // Down.
        await redis.StopAsync();
        await SendAllAsync(app, cookies);

        // The outage was seen and reported: failures logged, Redis's messages about these keys redacted.
        Assert.Contains(recorder.Exceptions, e => e is SessionStoreException);
        Assert.True(recorder.LevelCounts.GetValueOrDefault(LogLevel.Error) >= cookies.Count, "The store failures were not logged.");
        Assert.Contains(keys, key => recorder.AnyContains("sess:" + Tag(key)));
        Assert.Contains("tessera.store.load", recorder.Spans);

        recorder.AssertNoneContains(ids.Concat(keys).Concat(cookies));
    }

    private static async Task SendAllAsync(KestrelSessionApp app, IEnumerable<string> cookies) =>
        await Task.WhenAll(cookies.Select(async cookie =>
        {
            using var response = await app.GetAsync("/write", cookie);
            Assert.Equal(500, (int)response.StatusCode);
        }));
}
