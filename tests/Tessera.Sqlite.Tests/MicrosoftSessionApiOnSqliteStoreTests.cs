using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Tessera.StoreConformance;
using Tessera.Testing;

namespace Tessera.Sqlite.Tests;

/// <summary>The Microsoft session API tests, unchanged, on Tessera with the SQLite store.</summary>
public sealed class MicrosoftSessionApiOnSqliteStoreTests : MicrosoftSessionApiTests, IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _folder.Delete();
    }

    protected override void AddSession(IServiceCollection services) =>
        services.AddTessera(o => o.Secrets = ["keyboard cat"]).AddSqliteStore(_folder.File("sessions.db"));

    protected override void UseSession(IApplicationBuilder app) => app.UseTessera();
}
