using BenchmarkDotNet.Attributes;

namespace Tessera.Benchmarks;

/// <summary>
/// One request through the whole middleware, in-process, for each scenario, against the same
/// handler without Tessera (the baseline). Returning visitors cycle through 256 sessions.
/// </summary>
[MemoryDiagnoser]
public class MiddlewareBenchmarks : ScenarioBenchmarks
{
    private InProcessApp _bare = null!;
    private InProcessApp _tessera = null!;
    private string[] _cookies = null!;
    private string[] _bareCookies = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        _bare = InProcessApp.Create(withTessera: false, Handlers.WithoutSession());

        // The memory store is bounded so that millions of new visitors do not fill the machine.
        _tessera = InProcessApp.Create(withTessera: true, Handlers.WithSession(), b => b.AddMemoryStore(m => m.MaxSessions = 100_000));

        // Returning visitors: sessions made by new visitors. The baseline gets a Cookie header of the same size.
        _cookies = await _tessera.NewSessionCookiesAsync(Sessions);
        _bareCookies = InProcessApp.SameSizeCookies(_cookies);
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _bare.DisposeAsync();
        await _tessera.DisposeAsync();
    }

    [Benchmark(Baseline = true)]
    public Task WithoutTessera() =>
        _bare.SendAsync(Path, NextCookie(_bareCookies));

    [Benchmark]
    public Task WithTessera() =>
        _tessera.SendAsync(Path, NextCookie(_cookies));
}
