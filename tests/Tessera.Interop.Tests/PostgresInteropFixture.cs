using Npgsql;
using Tessera.TestServers;

namespace Tessera.Interop.Tests;

/// <summary>
/// One PostgreSQL server with a database whose time zone is not UTC (Asia/Kolkata, UTC+5:30), the
/// express-session app on connect-pg-simple and the Tessera app on the PostgreSQL store, sharing
/// connect-pg-simple's default table <c>session</c> with one secret and cookie name. The Node.js
/// app starts first and creates the table from connect-pg-simple's own table.sql; neither app
/// purges on its own, so the tests decide when a purge runs.
/// </summary>
public sealed class PostgresInteropFixture : IAsyncLifetime, IAsyncDisposable
{
    /// <summary>The database's time zone: a half-hour offset, so a conversion through the wrong zone shows.</summary>
    public const string TimeZone = "Asia/Kolkata";

    /// <summary>connect-pg-simple's default table.</summary>
    public const string Table = "session";

    private readonly PostgresServer _server = new();
    private NodeApp? _nodeApp;
    private TesseraApp? _dotNetApp;
    private PostgresStore? _store;
    private NpgsqlDataSource? _dataSource;

    /// <summary>The express-session app on connect-pg-simple.</summary>
    public SessionClient Node { get; private set; } = null!;

    /// <summary>The Tessera app on the PostgreSQL store.</summary>
    public SessionClient DotNet { get; private set; } = null!;

    /// <summary>A PostgreSQL store of Tessera's on the same table, for purges and reads outside a request.</summary>
    public PostgresStore Store => _store ?? throw new InvalidOperationException("The fixture has not started.");

    /// <summary>The database, to look at and change the rows directly.</summary>
    public NpgsqlDataSource Database => _dataSource ?? throw new InvalidOperationException("The fixture has not started.");

    public async Task InitializeAsync()
    {
        await _server.StartAsync();
        var database = await _server.CreateDatabaseAsync(TimeZone);
        var connectionString = _server.ConnectionString(database);
        _dataSource = NpgsqlDataSource.Create(connectionString);

        _nodeApp = await NodeApp.StartOnPostgresAsync(_server.ConnectionUrl(database), Table, [InteropFixture.Secret], InteropFixture.CookieName, InteropFixture.MaxAge);
        Node = new SessionClient("node", _nodeApp.Address, InteropFixture.CookieName);

        // connect-pg-simple creates its table on its first query.
        await Node.SendAsync(HttpMethod.Get, "raw/none", cookie: null);

        _dotNetApp = await TesseraApp.StartAsync(
            tessera => tessera.AddPostgresStore(connectionString, o => o.PurgeInterval = null),
            [InteropFixture.Secret],
            InteropFixture.CookieName,
            InteropFixture.MaxAge);
        DotNet = new SessionClient("dotnet", _dotNetApp.Address, InteropFixture.CookieName);
        _store = new PostgresStore(new PostgresStoreOptions { ConnectionString = connectionString, PurgeInterval = null });
    }

    /// <summary>Stops the apps and the server; safe to call more than once.</summary>
    public async ValueTask DisposeAsync()
    {
        Node?.Dispose();
        DotNet?.Dispose();
        foreach (var app in new IAsyncDisposable?[] { _dotNetApp, _nodeApp, _store, _dataSource })
        {
            if (app is not null)
            {
                await app.DisposeAsync();
            }
        }

        (_dotNetApp, _nodeApp, _store, _dataSource) = (null, null, null, null);
        await _server.StopAndDeleteAsync();
    }

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();
}

/// <summary>The tests that share one <see cref="PostgresInteropFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresInteropTestGroup : ICollectionFixture<PostgresInteropFixture>
{
    public const string Name = "Node.js interop on PostgreSQL";
}
