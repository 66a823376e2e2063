using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tessera.Cookies;
using Tessera.Middleware;
using Tessera.StoreConformance;
using Tessera.Tests.Infrastructure;

namespace Tessera.Tests.Observability;

/// <summary>
/// The middleware's log events keep their IDs and names (TesseraLog: "Event IDs are stable"), so
/// log queries and alerts written against them keep working.
/// </summary>
public sealed class LogEventIdTests
{
    /// <summary>Every event of <see cref="TesseraLog"/>, as released.</summary>
    private static readonly (int Id, string Name)[] Released =
    [
        (1, "UnsignedCookie"),
        (2, "BadSignature"),
        (3, "SessionNotFound"),
        (4, "StoreNotReady"),
        (5, "StoreFailed"),
        (6, "WriteConflict"),
        (7, "SessionRegenerated"),
        (8, "SessionRenewed"),
        (9, "SetCookieFailed"),
        (10, "PathMismatch"),
        (11, "CommitDropped"),
        (12, "SessionPastAbsoluteTimeout"),
        (13, "RejectedId"),
        (14, "EventHandlerFailed"),
        (15, "MalformedCookie"),
        (16, "NoSessionId"),
        (17, "SecretsRotated"),
        (18, "SecretsReloadRejected"),
    ];

    /// <summary>A well-formed ID that is not in any store.</summary>
    private const string UnknownId = "abcdefghijklmnopqrstuvwxyz012345";

    private static string SignedCookie(string id) => "connect.sid=" + UriComponent.Encode("s:" + new CookieSigner(["keyboard cat"]).Sign(id));

    [Fact]
    public void Every_LoggerMessage_keeps_its_released_event_id_and_name()
    {
        var declared = typeof(TesseraLog)
            .GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            .Select(method => method.GetCustomAttribute<LoggerMessageAttribute>())
            .OfType<LoggerMessageAttribute>()
            .Select(attribute => (attribute.EventId, attribute.EventName ?? "(none)"))
            .OrderBy(e => e.EventId)
            .ToArray();

        Assert.Equal(Released, declared);
    }

    [Theory]
    [InlineData(1, "UnsignedCookie")]
    [InlineData(2, "BadSignature")]
    [InlineData(3, "SessionNotFound")]
    [InlineData(4, "StoreNotReady")]
    [InlineData(5, "StoreFailed")]
    [InlineData(6, "WriteConflict")]
    [InlineData(7, "SessionRegenerated")]
    [InlineData(8, "SessionRenewed")]
    [InlineData(9, "SetCookieFailed")]
    [InlineData(10, "PathMismatch")]
    [InlineData(11, "CommitDropped")]
    [InlineData(12, "SessionPastAbsoluteTimeout")]
    [InlineData(13, "RejectedId")]
    [InlineData(14, "EventHandlerFailed")]
    [InlineData(15, "MalformedCookie")]
    public async Task An_event_is_logged_with_its_released_id_and_name(int id, string name)
    {
        var logs = await TriggerAsync(name);

        var tessera = logs.Entries.Where(e => e.Category == "Tessera").ToList();
        Assert.Contains(tessera, e => e.EventId.Name == name);
        Assert.All(tessera.Where(e => e.EventId.Name == name), e => Assert.Equal(id, e.EventId.Id));
        Assert.All(tessera.Where(e => e.EventId.Id == id), e => Assert.Equal(name, e.EventId.Name));
    }

    /// <summary>Runs the requests that make the middleware log <paramref name="name"/>, and returns what was logged.</summary>
    private static async Task<LogSink> TriggerAsync(string name)
    {
        var slow = new SlowRequest();
        var time = ExpressHarness.NewClock();
        var memory = new MemoryStore(timeProvider: time);
        ISessionStore store = name switch
        {
            "StoreNotReady" => new CountingStore(memory) { Ready = false },
            "StoreFailed" => new CountingStore(memory) { FailGet = new IOException("store down") },
            "WriteConflict" => LoadBarrierStore.Over(memory),
            _ => memory,
        };
        await using var app = await TestApp.StartAsync(
            o =>
            {
                o.StoreFailure = StoreFailure.ServiceUnavailable;
                switch (name)
                {
                    case "PathMismatch":
                        o.Cookie.Path = "/app";
                        break;
                    case "SessionPastAbsoluteTimeout":
                        o.AbsoluteTimeout = TimeSpan.FromSeconds(30);
                        break;
                    case "EventHandlerFailed":
                        o.OnCreated = _ => throw new InvalidOperationException("callback failed");
                        break;
                    case "RejectedId":
                        o.ValidateId = id => id != UnknownId; // the application revokes this ID
                        break;
                }
            },
            async context =>
            {
                var path = context.Request.Path.Value!;
                if (!context.TryGetSession(out var session))
                {
                    return;
                }

                switch (path)
                {
                    case "/regenerate":
                        await session.RegenerateAsync();
                        break;
                    case "/renew":
                        await session.RenewIdAsync();
                        break;
                    case "/destroy":
                        await session.DestroyAsync();
                        break;
                    case "/bad-path":
                        session.Set("a", 1);
                        session.Cookie.Path = "/a;b";
                        break;
                    case "/slow":
                        slow.Loaded.Open();
                        await slow.Proceed.WaitAsync();
                        session.Set("slow", 1);
                        break;
                    default:
                        if (path.StartsWith("/set/", StringComparison.Ordinal))
                        {
                            session.Set(path["/set/".Length..], 1);
                        }

                        break;
                }
            },
            store: store,
            time: time,
            services: s => s.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Trace)));
        var logs = LogSink.Attach(app);

        switch (name)
        {
            case "UnsignedCookie":
                await app.GetAsync("/", "connect.sid=" + UnknownId);
                break;
            case "BadSignature":
                var signed = SignedCookie(UnknownId);
                await app.GetAsync("/", signed[..^1] + (signed[^1] == 'A' ? "B" : "A"));
                break;
            case "SessionNotFound":
            case "StoreNotReady":
            case "StoreFailed":
                await app.GetAsync("/", SignedCookie(UnknownId));
                break;
            case "RejectedId":
                await app.GetAsync("/", SignedCookie(UnknownId));
                break;
            case "MalformedCookie":
                await app.GetAsync("/", SignedCookie("too-short"));
                break;
            case "SessionRegenerated":
                await app.GetAsync("/regenerate", SetCookie.Require(await app.GetAsync("/set/a")));
                break;
            case "SessionRenewed":
                await app.GetAsync("/renew", SetCookie.Require(await app.GetAsync("/set/a")));
                break;
            case "SetCookieFailed":
                await app.GetAsync("/bad-path");
                break;
            case "PathMismatch":
                await app.GetAsync("/other");
                break;
            case "SessionPastAbsoluteTimeout":
                // Created an hour before the clock's start and stored without the absolute cap
                // (as another app, or this one before AbsoluteTimeout was set, would store it).
                await memory.SetAsync(UnknownId, SessionData.Parse(
                    """{"cookie":{"originalMaxAge":3600000,"expires":"2026-11-29T13:00:00.000Z","httpOnly":true,"path":"/"},"_tessera":{"created":"2026-11-29T11:00:00.000Z"}}""",
                    time));
                await app.GetAsync("/", SignedCookie(UnknownId));
                break;
            case "EventHandlerFailed":
                await app.GetAsync("/set/a");
                break;
            case "WriteConflict":
                var shared = SetCookie.Require(await app.GetAsync("/set/a"));
                ((LoadBarrierStore)store).Arm(2);
                await Task.WhenAll(app.GetAsync("/set/b", shared), app.GetAsync("/set/c", shared));
                Assert.True(((LoadBarrierStore)store).Met, "The two requests did not both load the session before either wrote it.");
                break;
            case "CommitDropped":
                var destroyed = SetCookie.Require(await app.GetAsync("/set/a"));
                var inFlight = app.GetAsync("/slow", destroyed);
                await slow.Loaded.WaitAsync();
                await app.GetAsync("/destroy", destroyed);
                slow.Proceed.Open();
                await Gate.WithinTimeoutAsync(inFlight, "the request in flight while its session was destroyed");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(name), name, "No scenario triggers this event.");
        }

        return logs;
    }
}
