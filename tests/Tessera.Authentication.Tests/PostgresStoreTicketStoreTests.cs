using System.Globalization;
using Npgsql;
using Tessera.TestServers;

namespace Tessera.Authentication.Tests;

/// <summary>Cookie authentication's tickets in a <see cref="PostgresStore"/> on a real PostgreSQL server, each test on a table of its own.</summary>
public sealed class PostgresStoreTicketStoreTests(PostgresServer server) : UserIndexTicketStoreTests, IClassFixture<PostgresServer>
{
    private static int s_tables;
    private readonly string _table = "auth_session_" + Interlocked.Increment(ref s_tables).ToString(CultureInfo.InvariantCulture);

    private string ConnectionString => server.ConnectionString(server.SharedDatabase);

    protected override void AddStore(TesseraBuilder tessera) => tessera.AddPostgresStore(ConnectionString, o => o.TableName = _table);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP TABLE IF EXISTS \"{_table}_tessera_user\", \"{_table}\"", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
