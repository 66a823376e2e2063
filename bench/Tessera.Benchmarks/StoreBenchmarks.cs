using BenchmarkDotNet.Attributes;

namespace Tessera.Benchmarks;

/// <summary>The memory store's work per request for a typical session: load, touch, save.</summary>
[MemoryDiagnoser]
public class StoreBenchmarks
{
    private const string Id = "jyAyv3nkK7o6z95W3TbaaaES_s3yQGny";
    private MemoryStore _store = null!;
    private SessionData _data = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        _store = new MemoryStore();
        _data = TypicalSession.Create();
        await _store.SetAsync(Id, _data);
    }

    [GlobalCleanup]
    public void Cleanup() => _store.Dispose();

    [Benchmark]
    public ValueTask<SessionData?> Get() => _store.GetAsync(Id);

    [Benchmark]
    public ValueTask Touch() => _store.TouchAsync(Id, _data);

    [Benchmark]
    public ValueTask<object?> Set() => _store.SetAsync(Id, _data);
}
