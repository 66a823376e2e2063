namespace Tessera.Authentication.Tests;

/// <summary>Cookie authentication's tickets in a <see cref="SqliteStore"/>, in a file of the test's own.</summary>
public sealed class SqliteStoreTicketStoreTests : UserIndexTicketStoreTests
{
    private readonly string _folder = Directory.CreateTempSubdirectory("tessera-auth-sqlite-").FullName;

    protected override void AddStore(TesseraBuilder tessera) => tessera.AddSqliteStore(Path.Combine(_folder, "sessions.db"));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}
