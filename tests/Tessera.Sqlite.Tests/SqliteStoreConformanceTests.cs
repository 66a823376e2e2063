using Tessera.StoreConformance;

namespace Tessera.Sqlite.Tests;

public sealed class SqliteStoreConformanceTests : SessionStoreConformanceTests
{
    private readonly TemporaryFolder _folder = new();

    protected override Task<ISessionStore> CreateStoreAsync(TimeProvider timeProvider) =>
        Task.FromResult<ISessionStore>(new SqliteStore(new SqliteStoreOptions { Path = _folder.File("sessions.db") }, timeProvider));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _folder.Delete();
    }
}
