using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using StackExchange.Redis;
using Tessera.StoreConformance;
using Tessera.TestServers;
using Xunit.Abstractions;

namespace Tessera.Redis.Tests;

/// <summary>
/// A Tessera app on Kestrel with its sessions in Redis while Redis fails under it: clients keep
/// writing while the server first hangs (suspended: connections open, no answers) and then is
/// killed and started again on the same port. Every request ends within the store timeout with
/// the configured failure, the app recovers on its own each time, and no write that a client saw
/// acknowledged is lost. Redis runs with an append-only file fsynced on every write, so its
/// restart keeps what it acknowledged.
/// </summary>
public sealed class RedisOutageTests(ITestOutputHelper output)
{
    private const int Clients = 2;
    private const int RedisClientTimeout = 10_000; // ms
    private static readonly TimeSpan StoreTimeout = TimeSpan.FromSeconds(1);
    // Room for a loaded machine (the whole suite on one core: a timed-out request then goes
    // through the exception handler while other test assemblies run), yet far below the
    // client's own timeout (RedisClientTimeout): a request that only ended by that one fails.
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(3);

    private enum Phase
    {
        Up,
        Hung,
        Resumed,
        Down,
        Restarted,
    }

    [Theory]
    [InlineData(StoreFailure.ServiceUnavailable)]
    [InlineData(StoreFailure.Throw)]
    public async Task During_a_Redis_outage_requests_end_within_the_store_timeout_with_the_configured_status_and_no_acknowledged_write_is_lost(StoreFailure failure)
    {
        await using var redis = await RedisServer.StartPersistentAsync();
        var configuration = ConfigurationOptions.Parse(redis.Configuration);
        configuration.AbortOnConnectFail = false;
        configuration.ConnectTimeout = 1_000;
        configuration.ReconnectRetryPolicy = new LinearRetry(250);
        configuration.AsyncTimeout = RedisClientTimeout;
        configuration.SyncTimeout = RedisClientTimeout;
        await using var connection = await ConnectionMultiplexer.ConnectAsync(configuration);
        await using var app = await KestrelSessionApp.StartAsync(
            new RedisStore(connection),
            o =>
            {
                o.StoreTimeout = StoreTimeout;
                o.StoreFailure = failure;
            },
            MapEndpoints,
            beforeSessions: failure == StoreFailure.Throw ? UseExceptionHandler : null);

        var phase = new PhaseClock();
        var clients = new Client[Clients];
        for (var i = 0; i < Clients; i++)
        {
            clients[i] = new Client(app, KestrelSessionApp.CookieOf(await app.GetAsync("/write/0")), phase);
        }

        using var stop = new CancellationTokenSource();
        var loops = clients.Select(client => Task.Run(() => client.RunAsync(stop.Token))).ToArray();
        try
        {
            await WaitForEachAsync(clients, Phase.Up, acknowledged: 20, failed: 0, "The clients did not get 20 writes acknowledged each before the outage.");

            // A hung server: connections stay open and nothing answers; each store call times out.
            await redis.PauseAsync();
            phase.Enter(Phase.Hung);
            await WaitForEachAsync(clients, Phase.Hung, acknowledged: 0, failed: 3, "The clients saw no failure while Redis hung.");
            await redis.ResumeAsync();
            phase.Enter(Phase.Resumed);
            await WaitForEachAsync(clients, Phase.Resumed, acknowledged: 5, failed: 0, "The app did not recover after Redis answered again.");

            // A crashed server, started again on the same port with its append-only file.
            await redis.StopAsync();
            phase.Enter(Phase.Down);
            await WaitForEachAsync(clients, Phase.Down, acknowledged: 0, failed: 5, "The clients saw no failure while Redis was down.");
            await redis.StartAsync();
            phase.Enter(Phase.Restarted);
            await WaitForEachAsync(clients, Phase.Restarted, acknowledged: 5, failed: 0, "The app did not recover after Redis came back.");
            await stop.CancelAsync();
            await Task.WhenAll(loops);

            var results = clients.SelectMany(c => c.Results).ToArray();
            var maximum = results.Max(r => r.Elapsed);
            output.WriteLine($"{failure}: {results.Length} requests, {results.Count(r => r.Acknowledged)} acknowledged; maximum request time {maximum.TotalMilliseconds:0} ms (bound: StoreTimeout {StoreTimeout.TotalMilliseconds:0} ms + {Margin.TotalMilliseconds:0} ms)");
            foreach (var group in results.GroupBy(r => r.Phase).OrderBy(g => g.Key))
            {
                var failures = group.Where(r => !r.Acknowledged).GroupBy(r => r.Outcome).Select(g => $"{g.Count()} × {g.Key}");
                output.WriteLine($"  {group.Key,-9} {group.Count(r => r.Acknowledged),4} acknowledged, slowest {group.Max(r => r.Elapsed).TotalMilliseconds,5:0} ms; failures: {string.Join(", ", failures)}");
            }

            output.WriteLine($"  recovery: {phase.Duration(Phase.Resumed).TotalMilliseconds:0} ms after Redis answered again, {phase.Duration(Phase.Restarted).TotalMilliseconds:0} ms after its restart");

            // Every request ended within the store timeout plus a margin...
            Assert.All(results, r => Assert.True(r.Elapsed <= StoreTimeout + Margin, $"Request {r.N} ({r.Phase}, {r.Outcome}) took {r.Elapsed.TotalMilliseconds:0} ms."));

            // ...with the configured failure. A write that fails after the response has started
            // (the status line and all but the body's last byte are sent before the session is
            // stored) cannot change its status any more: the connection is aborted instead, so
            // the client never sees that response complete. Only a request caught in flight by a
            // broken connection gets there: when Redis hangs or dies, or when the client drops
            // and reopens the connection that stalled once Redis answers again. At most one per
            // client at each of those.
            Assert.All(results.Where(r => r.Acknowledged), r => Assert.Equal("200", r.Outcome));
            var aborted = results.Where(r => r.Status == 0).ToArray();
            Assert.All(results.Where(r => !r.Acknowledged && r.Status != 0), r => AssertConfiguredFailure(failure, r));
            Assert.True(aborted.Length <= 4 * Clients, $"{aborted.Length} responses were aborted.");
            if (failure == StoreFailure.ServiceUnavailable)
            {
                Assert.Contains(results, r => r.Phase == Phase.Hung && r.Status == HttpStatusCode.ServiceUnavailable);
            }
            else
            {
                // A store that does not answer is a SessionStoreException through the exception handler.
                Assert.Contains(results, r => r.Phase == Phase.Hung && r.Outcome == "500 exception handler: SessionStoreException");
            }

            // No acknowledged write was lost: every value a client saw acknowledged is in its session.
            foreach (var client in clients)
            {
                var response = await app.GetAsync("/keys", client.Cookie);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                var stored = (await response.Content.ReadAsStringAsync()).Split(',').ToHashSet(StringComparer.Ordinal);
                var lost = client.Results.Where(r => r.Acknowledged && !stored.Contains(Key(r.N))).Select(r => $"{r.N} ({r.Phase})").ToArray();
                Assert.True(lost.Length == 0, $"Acknowledged writes lost: {string.Join(", ", lost)}");
                Assert.Contains(client.Results, r => r.Acknowledged && r.Phase == Phase.Up);
            }
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(loops).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        }
    }

    private static void AssertConfiguredFailure(StoreFailure failure, Result result)
    {
        if (failure == StoreFailure.ServiceUnavailable)
        {
            Assert.Equal("503 application/problem+json", result.Outcome);
        }
        else
        {
            Assert.StartsWith("500 exception handler: ", result.Outcome, StringComparison.Ordinal);
        }
    }

    private static string Key(int n) => "n" + n.ToString("D5", CultureInfo.InvariantCulture);

    private static void MapEndpoints(WebApplication app)
    {
        app.MapGet("/write/{n:int}", (int n, Session session) =>
        {
            session.Set(Key(n), n);
            return n.ToString(CultureInfo.InvariantCulture);
        });
        app.MapGet("/keys", (Session session) => string.Join(",", session.Keys));
    }

    // With StoreFailure.Throw the store's exception goes through ASP.NET's error path: here an
    // exception handler that answers 500 and names the exception.
    private static void UseExceptionHandler(WebApplication app) =>
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandler = async context =>
            {
                var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
                await context.Response.WriteAsync("exception handler: " + error?.GetType().Name);
            },
        });

    private static async Task WaitForEachAsync(Client[] clients, Phase phase, int acknowledged, int failed, string message)
    {
        var waited = Stopwatch.StartNew();
        while (!clients.All(c => c.Count(phase, acknowledged: true) >= acknowledged && c.Count(phase, acknowledged: false) >= failed))
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(60), message);
            await Task.Delay(20);
        }
    }

    private sealed record Result(int N, Phase Phase, HttpStatusCode Status, string Outcome, TimeSpan Elapsed)
    {
        public bool Acknowledged => Status == HttpStatusCode.OK;
    }

    /// <summary>The current phase of the test, and when each began.</summary>
    private sealed class PhaseClock
    {
        private readonly ConcurrentDictionary<Phase, long> _started = new() { [Phase.Up] = Stopwatch.GetTimestamp() };
        private int _current;

        public Phase Current => (Phase)Volatile.Read(ref _current);

        public void Enter(Phase phase)
        {
            _started[phase] = Stopwatch.GetTimestamp();
            Volatile.Write(ref _current, (int)phase);
        }

        // From the start of the phase to the next one (or now).
        public TimeSpan Duration(Phase phase)
        {
            var end = _started.TryGetValue(phase + 1, out var next) ? next : Stopwatch.GetTimestamp();
            return Stopwatch.GetElapsedTime(_started[phase], end);
        }
    }

    /// <summary>One browser: writes one numbered key per request, one request at a time, until stopped.</summary>
    private sealed class Client(KestrelSessionApp app, string cookie, PhaseClock phase)
    {
        public string Cookie { get; } = cookie;

        public ConcurrentQueue<Result> Results { get; } = new();

        public int Count(Phase phase, bool acknowledged) => Results.Count(r => r.Phase == phase && r.Acknowledged == acknowledged);

        public async Task RunAsync(CancellationToken stop)
        {
            for (var n = 1; !stop.IsCancellationRequested && n < 100_000; n++)
            {
                var started = phase.Current;
                var watch = Stopwatch.StartNew();
                HttpStatusCode status;
                string outcome;
                try
                {
                    // Far above the bound, so that a request that hangs is measured rather than waited for.
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                    using var request = new HttpRequestMessage(HttpMethod.Get, $"/write/{n}");
                    request.Headers.Add("Cookie", Cookie);
                    using var response = await app.Client.SendAsync(request, timeout.Token);
                    var body = await response.Content.ReadAsStringAsync(timeout.Token);
                    status = response.StatusCode;
                    outcome = status switch
                    {
                        HttpStatusCode.OK when body == n.ToString(CultureInfo.InvariantCulture) => "200",
                        HttpStatusCode.OK => "200 with an unexpected body: " + body,
                        HttpStatusCode.ServiceUnavailable => "503 " + response.Content.Headers.ContentType?.MediaType,
                        _ => $"{(int)status} {body}",
                    };
                }
                catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
                {
                    status = 0;
                    outcome = "aborted: " + ex.GetType().Name;
                }

                Results.Enqueue(new Result(n, started, status, outcome, watch.Elapsed));

                // Paced, so that fast failures do not flood two cores.
                await Task.Delay(10, CancellationToken.None);
            }
        }
    }
}
