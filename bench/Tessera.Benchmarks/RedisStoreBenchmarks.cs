using BenchmarkDotNet.Attributes;
using StackExchange.Redis;

namespace Tessera.Benchmarks;

/// <summary>
/// The Redis store's calls on a request's path (read, read with touch, conditional write, touch),
/// and the bare client's GET and SET they are measured against, on a real redis-server the
/// benchmark starts (<see cref="RedisProcess"/>).
/// </summary>
[MemoryDiagnoser]
public class RedisStoreBenchmarks
{
    private const string Id = "jyAyv3nkK7o6z95W3TbaaaES_s3yQGny";
    private RedisProcess _server = null!;
    private ConnectionMultiplexer _connection = null!;
    private IDatabase _database = null!;
    private RedisStore _store = null!;
    private SessionData _data = null!;
    private object _version = null!;
    private RedisValue _document;

    [GlobalSetup]
    public async Task Setup()
    {
        _server = await RedisProcess.StartAsync();
        _connection = await ConnectionMultiplexer.ConnectAsync(_server.Configuration);
        _database = _connection.GetDatabase();
        _store = new RedisStore(_connection);
        _data = TypicalSession.Create();
        _version = await _store.SetAsync(Id, _data) ?? throw new InvalidOperationException("RedisStore returned no version.");
        _document = _data.ToUtf8Json();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.Dispose();
        _connection.Dispose();
        _server.Dispose();
    }

    [Benchmark(Baseline = true, Description = "client GET")]
    public Task<RedisValue> ClientGet() => _database.StringGetAsync("sess:" + Id);

    [Benchmark(Description = "client SET EX")]
    public Task<bool> ClientSet() => _database.StringSetAsync("sess:" + Id, _document, TimeSpan.FromHours(1));

    [Benchmark(Description = "GetAsync (GET + PTTL)")]
    public ValueTask<SessionData?> Get() => _store.GetAsync(Id);

    [Benchmark(Description = "GetAndTouchAsync (GETEX)")]
    public ValueTask<SessionData?> GetAndTouch() => _store.GetAndTouchAsync(Id, DateTimeOffset.UtcNow.AddHours(1));

    [Benchmark(Description = "TrySetAsync (EVALSHA)")]
    public async Task TrySet() =>
        _version = await _store.TrySetAsync(Id, _data, _version) ?? throw new InvalidOperationException("The conditional write met a conflict.");

    [Benchmark(Description = "TouchAsync (EXPIRE)")]
    public ValueTask Touch() => _store.TouchAsync(Id, _data);
}
