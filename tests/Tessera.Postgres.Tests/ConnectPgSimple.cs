using Npgsql;

namespace Tessera.Postgres.Tests;

/// <summary>
/// connect-pg-simple 10's statements, word for word with its parameters, run through Npgsql with
/// "now" given: what a Node.js app on it does to the table. Times are Unix seconds rounded up, as
/// it computes them.
/// </summary>
internal sealed class ConnectPgSimple(string connectionString, string quotedTable = "\"session\"")
{
    public Task SetAsync(string sid, string document, DateTimeOffset expires) =>
        RunAsync(
            $"INSERT INTO {quotedTable} (sess, expire, sid) SELECT $1, to_timestamp($2), $3 ON CONFLICT (sid) DO UPDATE SET sess=$1, expire=to_timestamp($2) RETURNING sid",
            Json(document), Seconds(expires), sid);

    public async Task<string?> GetAsync(string sid, DateTimeOffset now)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand($"SELECT sess FROM {quotedTable} WHERE sid = $1 AND expire >= to_timestamp($2)");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sid });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = Seconds(now) });
        return (string?)await command.ExecuteScalarAsync();
    }

    public Task TouchAsync(string sid, DateTimeOffset expires) =>
        RunAsync($"UPDATE {quotedTable} SET expire = to_timestamp($1) WHERE sid = $2 RETURNING sid", Seconds(expires), sid);

    public Task DestroyAsync(string sid) => RunAsync($"DELETE FROM {quotedTable} WHERE sid = $1", sid);

    public Task PruneAsync(DateTimeOffset now) => RunAsync($"DELETE FROM {quotedTable} WHERE expire < to_timestamp($1)", Seconds(now));

    // node-postgres sends an object parameter as its JSON text, untyped.
    private static NpgsqlParameter Json(string document) => new() { Value = document, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Unknown };

    private static long Seconds(DateTimeOffset time) => (long)Math.Ceiling(time.ToUnixTimeMilliseconds() / 1000.0);

    private async Task RunAsync(string sql, params object[] parameters)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(parameter as NpgsqlParameter ?? new NpgsqlParameter { Value = parameter });
        }

        await command.ExecuteNonQueryAsync();
    }
}
