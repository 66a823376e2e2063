using Microsoft.Data.Sqlite;

namespace Tessera.Sqlite.Tests;

/// <summary>SQLite stores on files in a folder of their own, all disposed and deleted together.</summary>
internal sealed class TemporarySqliteStores
{
    private readonly TemporaryFolder _folder = new();
    private readonly List<SqliteStore> _stores = [];

    /// <summary>How many stores were opened.</summary>
    public int Count => _stores.Count;

    /// <summary>The path of a file in the folder.</summary>
    public string File(string name) => _folder.File(name);

    /// <summary>Opens a new store (its own connection pool) on a file of the folder.</summary>
    public SqliteStore Open(string fileName)
    {
        var store = new SqliteStore(new SqliteStoreOptions { Path = _folder.File(fileName) });
        _stores.Add(store);
        return store;
    }

    /// <summary>Disposes every store opened, then deletes their files.</summary>
    public async Task DeleteAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }

        SqliteConnection.ClearAllPools();
        _folder.Delete();
    }
}
