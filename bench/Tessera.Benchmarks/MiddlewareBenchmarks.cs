using BenchmarkDotNet.Attributes;

namespace Tessera.Benchmarks;

/// <summary>
/// One request through the whole middleware, in-process, for each scenario, against the same
/// handler without Tessera (the baseline). Returning visitors cycle through 256 sessions.
/// </summary>
[MemoryDiagnoser]
public class MiddlewareBenchmarks
{
    public const int Sessions = 256;

    private InProcessApp _bare = null!;
    private InProcessApp _tessera = null!;
    private string[] _cookies = null!;
    private string[] _bareCookies = null!;
    private string _path = null!;
    private int _next;

    [Params(Scenario.NewVisitor, Scenario.ReadModifyWrite, Scenario.ReadOnly)]
    public Scenario Scenario { get; set; }

    [GlobalSetup]
    public async Task Setup()
    {
        _path = Handlers.PathOf(Scenario);
        _bare = InProcessApp.Create(withTessera: false, Handlers.WithoutSession());

        // The memory store is bounded so that millions of new visitors do not fill the machine.
        _tessera = InProcessApp.Create(withTessera: true, Handlers.WithSession(), b => b.AddMemoryStore(m => m.MaxSessions = 100_000));

        // Returning visitors: sessions made by new visitors, their cookies collected.
        _cookies = new string[Sessions];
        for (var i = 0; i < Sessions; i++)
        {
            _cookies[i] = await _tessera.SendForCookieAsync("/new", cookie: null) ?? throw new InvalidOperationException("A new session had no cookie.");
        }

        // The baseline gets a Cookie header of the same size.
        _bareCookies = [.. _cookies.Select(c => c[..^4] + "abcd")];
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _bare.DisposeAsync();
        await _tessera.DisposeAsync();
    }

    [Benchmark(Baseline = true)]
    public Task WithoutTessera() =>
        _bare.SendAsync(_path, Scenario == Scenario.NewVisitor ? null : _bareCookies[_next++ & (Sessions - 1)]);

    [Benchmark]
    public Task WithTessera() =>
        _tessera.SendAsync(_path, Scenario == Scenario.NewVisitor ? null : _cookies[_next++ & (Sessions - 1)]);
}
