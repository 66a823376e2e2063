using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Tessera.Testing;
using Tessera.TestServers;

namespace Tessera.Postgres.Tests;

/// <summary>The Microsoft session API tests, unchanged, on Tessera with the PostgreSQL store.</summary>
[Collection(SharedPostgresServer.Name)]
public sealed class MicrosoftSessionApiOnPostgresStoreTests(PostgresServer server) : MicrosoftSessionApiTests, IAsyncLifetime
{
    private readonly TemporaryPostgresStores _stores = new(server);
    private string? _table;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _stores.DeleteAsync();

    protected override void AddSession(IServiceCollection services) =>
        services.AddTessera(o => o.Secrets = ["keyboard cat"]).AddPostgresStore(_stores.ConnectionString, o => o.TableName = _table ??= _stores.NewTable());

    protected override void UseSession(IApplicationBuilder app) => app.UseTessera();
}
