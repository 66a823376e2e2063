using StackExchange.Redis;
using Tessera.TestServers;

namespace Tessera.Interop.Tests;

/// <summary>
/// One Redis server, the express-session app (Node.js, connect-redis) and the Tessera app
/// (Kestrel, the Redis store) on it, with the same secret and cookie name; and on the same
/// Redis two more pairs: one with rolling on, one that signs with a new secret and still
/// verifies the old one.
/// </summary>
public sealed class InteropFixture : IAsyncLifetime, IAsyncDisposable
{
    /// <summary>The secret both apps sign with; not ASCII, so both must hash its UTF-8 bytes.</summary>
    public const string Secret = "interop: keyboard cat ☕";

    /// <summary>The cookie name both apps use (not the default, so both must honour the option).</summary>
    public const string CookieName = "interop.sid";

    /// <summary>The secret the rotated pair signs with; <see cref="Secret"/> comes second, verifying only.</summary>
    public const string NewSecret = "interop: new secret ✓";

    /// <summary>The cookie's maxAge on both sides.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromHours(1);

    private readonly RedisServer _redis = new();
    private readonly List<IAsyncDisposable> _apps = [];
    private ConnectionMultiplexer? _connection;

    /// <summary>The express-session app.</summary>
    public SessionClient Node { get; private set; } = null!;

    /// <summary>The Tessera app.</summary>
    public SessionClient DotNet { get; private set; } = null!;

    /// <summary>The express-session app with <c>rolling: true</c>.</summary>
    public SessionClient NodeRolling { get; private set; } = null!;

    /// <summary>The Tessera app with <c>Rolling = true</c>.</summary>
    public SessionClient DotNetRolling { get; private set; } = null!;

    /// <summary>The express-session app with secrets [<see cref="NewSecret"/>, <see cref="Secret"/>].</summary>
    public SessionClient NodeRotated { get; private set; } = null!;

    /// <summary>The Tessera app with secrets [<see cref="NewSecret"/>, <see cref="Secret"/>].</summary>
    public SessionClient DotNetRotated { get; private set; } = null!;

    /// <summary>The Redis database both apps use, to look at what they stored.</summary>
    public IDatabase Redis => _connection?.GetDatabase() ?? throw new InvalidOperationException("The fixture has not started.");

    public async Task InitializeAsync()
    {
        await _redis.StartAsync();
        _connection = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration);
        Node = await StartNodeAsync("node", [Secret]);
        DotNet = await StartDotNetAsync("dotnet", [Secret]);
        NodeRolling = await StartNodeAsync("node (rolling)", [Secret], rolling: true);
        DotNetRolling = await StartDotNetAsync("dotnet (rolling)", [Secret], rolling: true);
        NodeRotated = await StartNodeAsync("node (rotated secrets)", [NewSecret, Secret]);
        DotNetRotated = await StartDotNetAsync("dotnet (rotated secrets)", [NewSecret, Secret]);
    }

    private async Task<SessionClient> StartNodeAsync(string side, string[] secrets, bool rolling = false)
    {
        var app = await NodeApp.StartAsync($"redis://127.0.0.1:{_redis.Port}", secrets, CookieName, MaxAge, rolling);
        _apps.Add(app);
        return new SessionClient(side, app.Address, CookieName);
    }

    private async Task<SessionClient> StartDotNetAsync(string side, string[] secrets, bool rolling = false)
    {
        var app = await TesseraApp.StartAsync(_redis.Configuration, secrets, CookieName, MaxAge, rolling);
        _apps.Add(app);
        return new SessionClient(side, app.Address, CookieName);
    }

    /// <summary>Stops the apps and the Redis server; safe to call more than once.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var client in new[] { Node, DotNet, NodeRolling, DotNetRolling, NodeRotated, DotNetRotated })
        {
            client?.Dispose();
        }

        // The Tessera apps stop first, while the Node.js apps still run.
        var apps = _apps.OrderBy(app => app is NodeApp).ToList();
        _apps.Clear();
        foreach (var app in apps)
        {
            await app.DisposeAsync();
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
