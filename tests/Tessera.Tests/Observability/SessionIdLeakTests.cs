using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tessera.Cookies;
using Tessera.StoreConformance;
using Tessera.Tests.Infrastructure;

namespace Tessera.Tests.Observability;

/// <summary>
/// A session ID is a bearer credential: whatever fails, no log line (at any level), no exception
/// Tessera logs or throws (inner exceptions included) and no span carries one. Listens to every
/// activity source in the process, so it runs with the other telemetry tests, alone.
/// </summary>
[Collection(nameof(TelemetryTests))]
public sealed class SessionIdLeakTests
{
    private static string Tag(string secret) =>
        "[session:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)))[..8] + "]";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task No_session_id_reaches_a_log_an_exception_or_a_span_when_the_store_fails_or_cookies_are_forged(bool hashIdsInStore)
    {
        using var recorder = new LeakRecorder();
        var time = ExpressHarness.NewClock();
        using var store = new KeyNamingStore(time);
        await using var app = await TestApp.StartAsync(
            o =>
            {
                o.HashIdsInStore = hashIdsInStore;
                o.StoreFailure = StoreFailure.Throw;
                o.OnCreated = e => throw new InvalidOperationException($"no welcome mail for session {e.SessionId}");
            },
            async context =>
            {
                var session = context.GetSession();
                switch (context.Request.Path.Value)
                {
                    case "/write":
                        session.Set("n", session.Get<int>("n") + 1);
                        break;
                    case "/renew":
                        await session.RenewIdAsync();
                        break;
                    case "/destroy":
                        await session.DestroyAsync();
                        break;
                }

                await context.Response.WriteAsync("ok");
            },
            before: web => web.UseExceptionHandler(new ExceptionHandlerOptions
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
            }),
            store: store,
            time: time);
        recorder.Attach(app.Services);
        app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("LeakTest")
            .Log(LogLevel.Trace, default, "Trace reaches the recorder.", null, (text, _) => text);

        // Sessions that exist, each with a cookie.
        var cookies = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            cookies.Add(SetCookie.Require(await app.GetAsync("/write")));
        }

        var ids = cookies.Select(SetCookie.SessionId).ToList();

        // Every store operation fails, with the key in the message.
        var failures = new (string Operation, string Path, string? Cookie)[]
        {
            ("get", "/", cookies[0]),
            ("set", "/write", cookies[1]),
            ("set", "/write", null),        // a new session, whose cookie is never sent
            ("set", "/renew", cookies[2]),  // the renewed ID, never sent either
            ("touch", "/", cookies[0]),
            ("destroy", "/destroy", cookies[1]),
        };
        foreach (var (operation, path, cookie) in failures)
        {
            store.Failing.Clear();
            store.Failing.Add(operation);
            try
            {
                // A 500, or an aborted response when the write failed after the response started.
                var response = await app.GetAsync(path, cookie);
                Assert.Equal(500, (int)response.StatusCode);
            }
            catch (HttpRequestException)
            {
            }
        }

        store.Failing.Clear();

        // Forged, tampered, unsigned and malformed cookies carrying the genuine IDs.
        var signer = new CookieSigner(["not the app's secret"]);
        foreach (var id in ids)
        {
            foreach (var value in new[]
            {
                "s:" + signer.Sign(id),
                "s:" + id + ".abcdefghij",
                "s:" + id,
                id,
                "s:" + id + "." + new string('A', 43),
                "s:" + id + "!.x",
            })
            {
                await app.GetAsync("/", "connect.sid=" + UriComponent.Encode(value));
            }
        }

        // The cookies still work once the store does.
        Assert.Equal("ok", await (await app.GetAsync("/", cookies[0])).Content.ReadAsStringAsync());

        // The test saw what it meant to: failures logged at Error with a redacted key, rejected
        // cookies at Debug, Trace recorded, Tessera's spans.
        var keys = store.Keys.Distinct().ToArray();
        Assert.True(keys.Length >= 5, $"The store saw {keys.Length} keys.");
        Assert.Contains(keys, key => recorder.AnyContains($"failed on key {Tag(key)}"));
        Assert.Contains(keys, key => recorder.AnyContains($"session {Tag(key)}"));
        Assert.True(recorder.LevelCounts.GetValueOrDefault(LogLevel.Error) >= failures.Length, "Store failures were not logged.");
        Assert.True(recorder.LevelCounts.GetValueOrDefault(LogLevel.Debug) >= ids.Count * 6, "Rejected cookies were not logged.");
        Assert.True(recorder.LevelCounts.GetValueOrDefault(LogLevel.Trace) >= 1, "Trace was not recorded.");
        Assert.Contains("tessera.store.load", recorder.Spans);
        Assert.Contains(recorder.Exceptions, e => e is SessionStoreException);

        recorder.AssertNoneContains(ids.Concat(keys).Concat(cookies.Select(SetCookie.Value)));
    }
}
