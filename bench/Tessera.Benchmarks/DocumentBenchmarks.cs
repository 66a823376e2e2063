using BenchmarkDotNet.Attributes;

namespace Tessera.Benchmarks;

/// <summary>Loading and saving the stored JSON document of a typical session.</summary>
[MemoryDiagnoser]
public class DocumentBenchmarks
{
    private byte[] _json = null!;
    private SessionData _data = null!;

    [GlobalSetup]
    public void Setup()
    {
        _data = TypicalSession.Create();
        _json = _data.ToUtf8Json();
    }

    [Benchmark]
    public SessionData Load() => SessionData.Parse(_json);

    [Benchmark]
    public byte[] Save() => _data.ToUtf8Json();
}
