using Npgsql;
using Tessera.TestServers;

namespace Tessera.Postgres.Tests;

/// <summary>
/// PostgreSQL stores on tables of their own in the server's shared database: each
/// <see cref="NewTable"/> is a name no other test uses; every store opened is disposed and every
/// table dropped together.
/// </summary>
internal sealed class TemporaryPostgresStores(PostgresServer server)
{
    private static int s_tables;
    private readonly List<PostgresStore> _stores = [];
    private readonly List<string> _tables = [];

    /// <summary>The connection string of the shared database.</summary>
    public string ConnectionString => server.ConnectionString(server.SharedDatabase);

    /// <summary>A table name no other test uses, dropped by <see cref="DeleteAsync"/>.</summary>
    public string NewTable()
    {
        var table = "session_" + Interlocked.Increment(ref s_tables).ToString(System.Globalization.CultureInfo.InvariantCulture);
        _tables.Add(table);
        return table;
    }

    /// <summary>Opens a new store (with a data source of its own) on a table.</summary>
    public PostgresStore Open(string table, TimeProvider? time = null, Action<PostgresStoreOptions>? configure = null)
    {
        var options = new PostgresStoreOptions { ConnectionString = ConnectionString, TableName = table };
        configure?.Invoke(options);
        var store = new PostgresStore(options, time);
        _stores.Add(store);
        return store;
    }

    /// <summary>Opens a new store on a new table.</summary>
    public PostgresStore OpenNew(TimeProvider? time = null) => Open(NewTable(), time);

    /// <summary>Disposes every store opened, then drops their tables.</summary>
    public async Task DeleteAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }

        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        foreach (var table in _tables)
        {
            await using var drop = new NpgsqlCommand($"DROP TABLE IF EXISTS \"{table}_tessera_user\", \"{table}\"", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }
}
