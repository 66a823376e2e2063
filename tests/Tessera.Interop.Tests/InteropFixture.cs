using StackExchange.Redis;
using Tessera.Testing;

namespace Tessera.Interop.Tests;

/// <summary>
/// One Redis server, the express-session app (Node.js, connect-redis) and the Tessera app
/// (Kestrel, the Redis store) on it, with the same secret and cookie name.
/// </summary>
public sealed class InteropFixture : IAsyncLifetime, IAsyncDisposable
{
    /// <summary>The secret both apps sign with; not ASCII, so both must hash its UTF-8 bytes.</summary>
    public const string Secret = "interop: keyboard cat ☕";

    /// <summary>The cookie name both apps use (not the default, so both must honour the option).</summary>
    public const string CookieName = "interop.sid";

    /// <summary>The cookie's maxAge on both sides.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromHours(1);

    private readonly RedisServer _redis = new();
    private NodeApp? _nodeApp;
    private TesseraApp? _tesseraApp;
    private ConnectionMultiplexer? _connection;

    /// <summary>The express-session app.</summary>
    public SessionClient Node { get; private set; } = null!;

    /// <summary>The Tessera app.</summary>
    public SessionClient DotNet { get; private set; } = null!;

    /// <summary>The Redis database both apps use, to look at what they stored.</summary>
    public IDatabase Redis => _connection?.GetDatabase() ?? throw new InvalidOperationException("The fixture has not started.");

    public async Task InitializeAsync()
    {
        await _redis.StartAsync();
        _connection = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration);
        _nodeApp = await NodeApp.StartAsync($"redis://127.0.0.1:{_redis.Port}", Secret, CookieName, MaxAge);
        _tesseraApp = await TesseraApp.StartAsync(_redis.Configuration, Secret, CookieName, MaxAge);
        Node = new SessionClient("node", _nodeApp.Address, CookieName);
        DotNet = new SessionClient("dotnet", _tesseraApp.Address, CookieName);
    }

    /// <summary>Stops the apps and the Redis server; safe to call more than once.</summary>
    public async ValueTask DisposeAsync()
    {
        Node?.Dispose();
        DotNet?.Dispose();
        if (_tesseraApp is { } tesseraApp)
        {
            _tesseraApp = null;
            await tesseraApp.DisposeAsync();
        }

        if (_nodeApp is { } nodeApp)
        {
            _nodeApp = null;
            await nodeApp.DisposeAsync();
        }

        if (_connection is { } connection)
        {
            _connection = null;
            await connection.DisposeAsync();
        }

        await _redis.StopAsync();
    }

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();
}

/// <summary>The tests that share one <see cref="InteropFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class InteropTestGroup : ICollectionFixture<InteropFixture>
{
    public const string Name = "Node.js interop";
}
