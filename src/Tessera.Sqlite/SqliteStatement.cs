using Microsoft.Data.Sqlite;

namespace Tessera;

/// <summary>
/// Runs one of the store's statements on a connection: the command, its parameters (a null value
/// is SQL <c>NULL</c>) and its disposal in one call, so that each store operation is one line.
/// </summary>
internal static class SqliteStatement
{
    /// <summary>Creates a command with its parameters; the caller disposes it.</summary>
    public static SqliteCommand Prepare(SqliteConnection connection, string sql, params ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    /// <summary>Runs a statement; the number of rows it changed.</summary>
    public static int Execute(SqliteConnection connection, string sql, params ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        using var command = Prepare(connection, sql, parameters);
        return command.ExecuteNonQuery();
    }

    /// <summary>Runs a statement; the first column of its first row, or null without one.</summary>
    public static object? Scalar(SqliteConnection connection, string sql, params ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        using var command = Prepare(connection, sql, parameters);
        var value = command.ExecuteScalar();
        return value is DBNull ? null : value;
    }

    /// <summary>Runs a query and hands each row to <paramref name="row"/> (which may stop the query by throwing).</summary>
    public static void ForEachRow(SqliteConnection connection, Action<SqliteDataReader> row, string sql, params ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        using var command = Prepare(connection, sql, parameters);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            row(reader);
        }
    }
}
