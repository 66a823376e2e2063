using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using StackExchange.Redis;

namespace Tessera.Benchmarks;

/// <summary>
/// The Redis store's calls on a request's path (read, read with touch, conditional write, touch),
/// and the bare client's GET and SET they are measured against, on a real redis-server the
/// benchmark starts on a free loopback port (redis-server must be on the PATH).
/// </summary>
[MemoryDiagnoser]
public class RedisStoreBenchmarks
{
    private const string Id = "jyAyv3nkK7o6z95W3TbaaaES_s3yQGny";
    private Process _server = null!;
    private ConnectionMultiplexer _connection = null!;
    private IDatabase _database = null!;
    private RedisStore _store = null!;
    private SessionData _data = null!;
    private object _version = null!;
    private RedisValue _document;

    [GlobalSetup]
    public async Task Setup()
    {
        var port = FreePort();
        _server = Process.Start(new ProcessStartInfo("redis-server")
        {
            ArgumentList = { "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" },
            RedirectStandardOutput = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("redis-server did not start.");
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _server.OutputDataReceived += (_, line) =>
        {
            if (line.Data?.Contains("Ready to accept connections", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        _server.BeginOutputReadLine();
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var configuration = "127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture);
        _connection = await ConnectionMultiplexer.ConnectAsync(configuration);
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
        _server.Kill();
        _server.WaitForExit();
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

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
