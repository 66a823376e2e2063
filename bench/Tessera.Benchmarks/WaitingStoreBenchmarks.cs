using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http;

namespace Tessera.Benchmarks;

/// <summary>
/// One request through the whole middleware on a store that waits (<see cref="HoppingStore"/>:
/// the memory store behind one hop to the thread pool per call), against the bare handler making
/// the same number of hops before it runs. The difference, less <see cref="MiddlewareBenchmarks"/>'
/// on the memory store itself, is what suspending and resuming through Tessera's frames costs a
/// request on a store across the network (the store's, the guarded call's with its timeout, the
/// persistence's, the middleware's), measured without a network. Returning visitors cycle
/// through 256 sessions.
/// </summary>
[MemoryDiagnoser]
public class WaitingStoreBenchmarks : ScenarioBenchmarks
{
    private const int Batch = 64;

    private InProcessApp _bare = null!;
    private InProcessApp _tessera = null!;
    private string[] _cookies = null!;
    private string[] _bareCookies = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        var store = new HoppingStore(new MemoryStore(new MemoryStoreOptions { MaxSessions = 100_000 }));
        _tessera = InProcessApp.Create(withTessera: true, Handlers.WithSession(), b => b.UseStore(store));
        _cookies = await _tessera.NewSessionCookiesAsync(Sessions);
        _bareCookies = InProcessApp.SameSizeCookies(_cookies);

        // The baseline hops as often as Tessera calls the store in this scenario.
        var before = store.Calls;
        await _tessera.SendAsync(Path, Scenario == Scenario.NewVisitor ? null : _cookies[0]);
        var hops = (int)(store.Calls - before);
        if (hops == 0)
        {
            throw new InvalidOperationException($"{Scenario} made no store call.");
        }

        _bare = InProcessApp.Create(withTessera: false, Hopping(hops, Handlers.WithoutSession()));
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _bare.DisposeAsync();
        await _tessera.DisposeAsync();
    }

    [Benchmark(Baseline = true, Description = "bare handler, same hops", OperationsPerInvoke = Batch)]
    public Task WithoutTessera() => RunBatchAsync(_bare, _bareCookies);

    [Benchmark(Description = "Tessera on a store that waits", OperationsPerInvoke = Batch)]
    public Task WithTessera() => RunBatchAsync(_tessera, _cookies);

    /// <summary>
    /// A batch of requests one after another on one thread-pool thread: each hop is then a work
    /// item that the same thread takes next, as on a busy server, rather than a wake-up of an idle
    /// thread, whose latency would be most of what one request alone measures.
    /// </summary>
    private Task RunBatchAsync(InProcessApp app, string[] cookies) => Task.Run(async () =>
    {
        for (var i = 0; i < Batch; i++)
        {
            await app.SendAsync(Path, NextCookie(cookies));
        }
    });

    private static RequestDelegate Hopping(int hops, RequestDelegate handler) => async context =>
    {
        for (var i = 0; i < hops; i++)
        {
            await Task.Yield();
        }

        await handler(context);
    };
}
