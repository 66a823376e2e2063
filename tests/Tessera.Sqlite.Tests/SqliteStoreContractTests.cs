using Tessera.Testing;

namespace Tessera.Sqlite.Tests;

public sealed class SqliteStoreContractTests : SessionStoreContractTests<SqliteStore>
{
    private readonly TemporaryFolder _folder = new();

    protected override Task<SqliteStore> CreateStoreAsync(TimeProvider timeProvider) =>
        Task.FromResult(new SqliteStore(new SqliteStoreOptions { Path = _folder.File("sessions.db") }, timeProvider));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _folder.Delete();
    }
}
