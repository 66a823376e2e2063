using BenchmarkDotNet.Attributes;

namespace Tessera.Benchmarks;

/// <summary>The session API on a typical session: reading and writing a number, a string and the nested object.</summary>
[MemoryDiagnoser]
public class SessionApiBenchmarks
{
    private Session _session = null!;
    private int _views;

    [GlobalSetup]
    public async Task Setup()
    {
        // A real session, taken from a request through the middleware.
        Session? captured = null;
        await using var app = InProcessApp.Create(withTessera: true, context =>
        {
            captured = context.GetSession();
            captured.Set("views", 3);
            captured.Set("userId", "u_8f14e45fceea167a");
            captured.Set("name", "Ada Lovelace");
            captured.Set("signedInAt", new DateTime(2026, 11, 29, 9, 30, 0, DateTimeKind.Utc));
            captured.Set("cart", TypicalSession.Cart);
            return Task.CompletedTask;
        });
        await app.SendAsync("/", cookie: null);
        _session = captured!;
    }

    [Benchmark]
    public int GetNumber() => _session.Get<int>("views");

    [Benchmark]
    public string? GetString() => _session.Get<string>("name");

    [Benchmark]
    public Cart? GetObject() => _session.Get<Cart>("cart");

    [Benchmark]
    public void SetNumber() => _session.Set("views", ++_views);

    [Benchmark]
    public void SetString() => _session.Set("name", "Ada Lovelace");

    [Benchmark]
    public void SetObject() => _session.Set("cart", TypicalSession.Cart);
}
