using System.Text;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Tessera.TestServers;

namespace Tessera.Postgres.Tests;

/// <summary>What the PostgreSQL store adds to the conformance suite: connect-pg-simple's table and statements, time zones, touch, purge and the user index.</summary>
[Collection(SharedPostgresServer.Name)]
public sealed class PostgresStoreTests(PostgresServer server) : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

    // connect-pg-simple 10's table.sql, which it runs (with "session" replaced by the quoted
    // table) when createTableIfMissing is set.
    private const string ConnectPgSimpleTableSql = """
        CREATE TABLE "session" (
          "sid" varchar NOT NULL COLLATE "default",
          "sess" json NOT NULL,
          "expire" timestamp(6) NOT NULL
        )
        WITH (OIDS=FALSE);
        ALTER TABLE "session" ADD CONSTRAINT "session_pkey" PRIMARY KEY ("sid") NOT DEFERRABLE INITIALLY IMMEDIATE;
        CREATE INDEX "IDX_session_expire" ON "session" ("expire");
        """;

    private readonly TemporaryPostgresStores _stores = new(server);
    private readonly FakeTimeProvider _time = new(Start);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _stores.DeleteAsync();

    [Fact]
    public async Task The_table_created_is_connect_pg_simples_with_the_user_index_beside_it()
    {
        var table = _stores.NewTable();
        var store = _stores.Open(table, _time);

        Assert.Null(await store.GetAsync("abc"));

        var columns = await QueryAsync(
            _stores.ConnectionString,
            "SELECT column_name || ' ' || data_type || ' ' || coalesce(datetime_precision::text, '-') || ' ' || is_nullable FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position",
            table);
        Assert.Equal(["sid character varying - NO", "sess json - NO", "expire timestamp without time zone 6 NO"], columns);
        var indexes = await QueryAsync(_stores.ConnectionString, "SELECT indexname FROM pg_indexes WHERE tablename = $1 ORDER BY indexname", table);
        Assert.Equal([$"IDX_{table}_expire", $"{table}_pkey"], indexes);
        var userIndexes = await QueryAsync(_stores.ConnectionString, "SELECT indexname FROM pg_indexes WHERE tablename = $1 ORDER BY indexname", table + "_tessera_user");
        Assert.Equal([$"IDX_{table}_tessera_user", $"{table}_tessera_user_pkey"], userIndexes);
    }

    [Fact]
    public async Task A_table_created_by_connect_pg_simple_is_used_as_it_is_with_only_the_user_index_added()
    {
        var connectionString = server.ConnectionString(await server.CreateDatabaseAsync());
        await ExecuteAsync(connectionString, ConnectPgSimpleTableSql);
        await using var checking = new PostgresStore(new PostgresStoreOptions { ConnectionString = connectionString, CreateTableIfMissing = false }, _time);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => checking.EnsureReadyAsync(CancellationToken.None));
        Assert.Contains("\"session_tessera_user\" does not exist", error.Message, StringComparison.Ordinal);
        await using var creating = new PostgresStore(new PostgresStoreOptions { ConnectionString = connectionString }, _time);
        await using var store = new PostgresStore(new PostgresStoreOptions { ConnectionString = connectionString, CreateTableIfMissing = false }, _time);

        await creating.SetAsync("abc", Session(TimeSpan.FromMinutes(5), "\"views\":1"));
        await store.EnsureReadyAsync(CancellationToken.None);

        Assert.Equal("1", Value(await store.GetAsync("abc"), "views"));
        Assert.Equal(["IDX_session_expire", "session_pkey"], await QueryAsync(connectionString, "SELECT indexname FROM pg_indexes WHERE tablename = 'session' ORDER BY indexname"));
        Assert.Equal(["session_tessera_user"], await QueryAsync(connectionString, "SELECT tablename FROM pg_tables WHERE tablename LIKE 'session_%'"));
    }

    [Theory]
    [InlineData("UTC")]
    [InlineData("America/New_York")]
    [InlineData("Asia/Kolkata")]
    public async Task Connect_pg_simples_statements_and_the_store_agree_on_expiry_in_a_database_of_any_time_zone(string timeZone)
    {
        var connectionString = server.ConnectionString(await server.CreateDatabaseAsync(timeZone));
        await using var store = new PostgresStore(new PostgresStoreOptions { ConnectionString = connectionString }, _time);
        await store.EnsureReadyAsync(CancellationToken.None);
        var node = new ConnectPgSimple(connectionString);

        // connect-pg-simple writes a session expiring in ten minutes; the store reads that instant.
        var nodeDocument = $$"""{"cookie":{"originalMaxAge":600000,"expires":"{{Iso(Start.AddMinutes(10))}}","httpOnly":true,"path":"/"},"by":"node"}""";
        await node.SetAsync("node", nodeDocument, Start.AddMinutes(10));
        Assert.Equal(Start.AddMinutes(10), (await store.GetAsync("node"))!.StoreExpires);
        Assert.Equal(nodeDocument, (await store.GetAsync("node"))!.ToJson());

        // The store writes a session expiring in five minutes; connect-pg-simple reads it until then.
        await store.SetAsync("dotnet", Session(TimeSpan.FromMinutes(5), "\"by\":\"dotnet\""));
        Assert.Equal((double)Start.AddMinutes(5).ToUnixTimeMilliseconds(), await ScalarAsync<double>(connectionString, "SELECT (extract(epoch from expire::timestamptz) * 1000)::float8 FROM session WHERE sid = 'dotnet'"));

        // On disk, both are the zone's local time, as node-postgres's connections (on the database's
        // time zone) have connect-pg-simple write it.
        Assert.Equal(timeZone, await ScalarAsync<string>(connectionString, "SHOW TimeZone"));
        var zone = TimeZoneInfo.FindSystemTimeZoneById(timeZone);
        Assert.Equal(
            [Local(Start.AddMinutes(5), zone), Local(Start.AddMinutes(10), zone)],
            await QueryAsync(connectionString, "SELECT to_char(expire, 'YYYY-MM-DD HH24:MI:SS.MS') FROM session ORDER BY expire"));
        Assert.NotNull(await node.GetAsync("dotnet", Start.AddMinutes(4).AddSeconds(59)));
        Assert.Null(await node.GetAsync("dotnet", Start.AddMinutes(5).AddSeconds(1)));

        // Past the store's expiry, neither reads it; connect-pg-simple's prune deletes exactly the expired row.
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Null(await store.GetAsync("dotnet"));
        Assert.NotNull(await store.GetAsync("node"));
        await node.PruneAsync(_time.GetUtcNow().AddSeconds(1));
        Assert.Equal(["node"], await QueryAsync(connectionString, "SELECT sid FROM session ORDER BY sid"));

        // connect-pg-simple's touch moves the expiry the store reports.
        await node.TouchAsync("node", Start.AddHours(1));
        Assert.Equal(Start.AddHours(1), (await store.GetAsync("node"))!.StoreExpires);
    }

    [Fact]
    public async Task A_write_by_connect_pg_simple_in_between_makes_a_conditional_write_fail_and_a_touch_does_not()
    {
        var store = _stores.OpenNew(_time);
        var node = new ConnectPgSimple(_stores.ConnectionString, store.Table);
        await store.SetAsync("abc", Session(TimeSpan.FromMinutes(30), "\"n\":1"));
        var read = (await store.GetAsync("abc"))!;

        await node.TouchAsync("abc", Start.AddHours(1));
        var afterTouch = read.Clone();
        afterTouch.SetRawValue("n", "2"u8);
        Assert.NotNull(await store.TrySetAsync("abc", afterTouch, read.StoreVersion!));

        var reread = (await store.GetAsync("abc"))!;
        await node.SetAsync("abc", reread.ToJson().Replace("\"n\":2", "\"n\":3", StringComparison.Ordinal), Start.AddMinutes(30));
        var lost = reread.Clone();
        lost.SetRawValue("n", "4"u8);
        Assert.Null(await store.TrySetAsync("abc", lost, reread.StoreVersion!));
        Assert.Equal("3", Value(await store.GetAsync("abc"), "n"));
    }

    [Fact]
    public async Task A_touch_moves_only_the_expiry_and_never_brings_an_expired_session_back()
    {
        var store = _stores.OpenNew(_time);
        var data = Session(TimeSpan.FromMinutes(10), "\"views\":1");
        await store.SetAsync("abc", data);
        var stored = await ScalarAsync<string>(_stores.ConnectionString, $"SELECT sess::text FROM \"{store.Table.Trim('"')}\" WHERE sid = 'abc'");

        _time.Advance(TimeSpan.FromMinutes(5));
        var touched = data.Clone();
        touched.Cookie.MaxAge = TimeSpan.FromMinutes(10);
        await store.TouchAsync("abc", touched);

        var read = (await store.GetAsync("abc"))!;
        Assert.Equal(stored, read.ToJson());
        Assert.Equal(Start.AddMinutes(15), read.StoreExpires);

        _time.Advance(TimeSpan.FromMinutes(10));
        await store.TouchAsync("abc", Session(TimeSpan.FromMinutes(10)));
        Assert.Null(await store.GetAsync("abc"));
    }

    [Fact]
    public async Task With_DisableTouch_a_touch_does_nothing()
    {
        var store = _stores.Open(_stores.NewTable(), _time, o => o.DisableTouch = true);
        await store.SetAsync("abc", Session(TimeSpan.FromMinutes(10)));

        _time.Advance(TimeSpan.FromMinutes(5));
        await store.TouchAsync("abc", Session(TimeSpan.FromMinutes(10)));

        Assert.Equal(Start.AddMinutes(10), (await store.GetAsync("abc"))!.StoreExpires);
    }

    [Fact]
    public async Task The_background_purge_runs_every_PurgeInterval_on_the_stores_clock_and_deletes_only_expired_rows()
    {
        var table = _stores.NewTable();
        var store = _stores.Open(table, _time, o => o.PurgeInterval = TimeSpan.FromMinutes(1));
        await store.SetAsync("short", Session(TimeSpan.FromSeconds(30)));
        await store.SetAsync("long", Session(TimeSpan.FromMinutes(30)));
        await store.SetAsync("browser", Session(maxAge: null));

        _time.Advance(TimeSpan.FromSeconds(59));
        await store.BackgroundPurge;
        Assert.Equal(3, await ScalarAsync<long>(_stores.ConnectionString, $"SELECT count(*) FROM \"{table}\""));

        _time.Advance(TimeSpan.FromSeconds(1));
        await store.BackgroundPurge;
        Assert.Equal(["browser", "long"], await QueryAsync(_stores.ConnectionString, $"SELECT sid FROM \"{table}\" ORDER BY sid"));
    }

    [Fact]
    public async Task Disposing_the_store_stops_its_background_purge()
    {
        var table = _stores.NewTable();
        var store = _stores.Open(table, _time, o => o.PurgeInterval = TimeSpan.FromMinutes(1));
        await store.SetAsync("short", Session(TimeSpan.FromSeconds(30)));

        await store.DisposeAsync();
        _time.Advance(TimeSpan.FromMinutes(5));
        await store.BackgroundPurge;

        Assert.Equal(1, await ScalarAsync<long>(_stores.ConnectionString, $"SELECT count(*) FROM \"{table}\""));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await store.GetAsync("short"));
    }

    [Fact]
    public async Task Without_a_PurgeInterval_nothing_is_purged_in_the_background()
    {
        var table = _stores.NewTable();
        var store = _stores.Open(table, _time, o => o.PurgeInterval = null);
        await store.SetAsync("short", Session(TimeSpan.FromSeconds(30)));

        _time.Advance(TimeSpan.FromDays(1));
        await store.BackgroundPurge;

        Assert.Equal(1, await ScalarAsync<long>(_stores.ConnectionString, $"SELECT count(*) FROM \"{table}\""));
        Assert.Equal(1, await store.PurgeAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_users_sessions_are_found_through_the_user_index_and_leave_it_when_connect_pg_simple_destroys_them()
    {
        var table = _stores.NewTable();
        var store = _stores.Open(table, _time);
        var node = new ConnectPgSimple(_stores.ConnectionString, store.Table);
        foreach (var (id, user) in new[] { ("a1", "alice"), ("a2", "alice"), ("b1", "bob") })
        {
            var data = Session(TimeSpan.FromMinutes(10));
            data.UserId = user;
            await store.SetAsync(id, data);
        }

        Assert.Equal(["a1", "a2"], (await store.GetUserSessionsAsync("alice")).Select(s => s.Key).Order(StringComparer.Ordinal));

        // connect-pg-simple rewrites a1 (keeping Tessera's metadata) and destroys a2.
        await node.SetAsync("a1", (await store.GetAsync("a1"))!.ToJson(), Start.AddMinutes(20));
        await node.DestroyAsync("a2");

        Assert.Equal(["a1"], (await store.GetUserSessionsAsync("alice")).Select(s => s.Key));
        Assert.Equal(["a1", "b1"], await QueryAsync(_stores.ConnectionString, $"SELECT sid FROM \"{table}_tessera_user\" ORDER BY sid"));

        // Signed out: the session leaves the index.
        var signedOut = (await store.GetAsync("a1"))!;
        signedOut.UserId = null;
        await store.SetAsync("a1", signedOut);
        Assert.Empty(await store.GetUserSessionsAsync("alice"));

        await using var connection = new NpgsqlConnection(_stores.ConnectionString);
        await connection.OpenAsync();
        await using (var off = new NpgsqlCommand("SET enable_seqscan = off", connection))
        {
            await off.ExecuteNonQueryAsync();
        }

        await using var explain = new NpgsqlCommand($"EXPLAIN SELECT sid FROM \"{table}_tessera_user\" WHERE user_id = 'alice'", connection);
        var plan = new StringBuilder();
        await using (var reader = await explain.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                plan.AppendLine(reader.GetString(0));
            }
        }

        Assert.Contains($"IDX_{table}_tessera_user", plan.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_table_name_with_a_quote_is_quoted_as_connect_pg_simple_quotes_it()
    {
        var table = _stores.NewTable() + "\"q";
        var store = _stores.Open(table, _time);

        await store.SetAsync("abc", Session(TimeSpan.FromMinutes(5), "\"views\":1"));

        Assert.Equal("\"" + table.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"", store.Table);
        Assert.Equal("1", Value(await store.GetAsync("abc"), "views"));
        await ExecuteAsync(_stores.ConnectionString, $"DROP TABLE {store.Table} CASCADE");
    }

    [Fact]
    public async Task A_missing_table_without_CreateTableIfMissing_is_a_clear_error_naming_the_table_and_the_database()
    {
        var table = _stores.NewTable();
        var store = _stores.Open(table, _time, o => o.CreateTableIfMissing = false);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => store.EnsureReadyAsync(CancellationToken.None));

        Assert.StartsWith($"PostgresStore (table \"{table}\" in 127.0.0.1:{server.Port}/{server.SharedDatabase}) cannot be used:", error.Message, StringComparison.Ordinal);
        Assert.Contains("CreateTableIfMissing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_cannot_be_reached_makes_calls_throw_promptly_naming_no_password()
    {
        await using var store = new PostgresStore(
            new PostgresStoreOptions { ConnectionString = $"Host=127.0.0.1;Port={ClosedPort()};Database=app;Username=app;Password=hunter2;Timeout=2" },
            _time);

        await Assert.ThrowsAnyAsync<NpgsqlException>(async () => await store.GetAsync("abc"));
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => store.EnsureReadyAsync(CancellationToken.None));

        Assert.Contains("127.0.0.1:", error.Message, StringComparison.Ordinal);
        Assert.Contains("/app", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", store.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    public void An_empty_table_name_is_refused(string table) =>
        Assert.Throws<ArgumentException>(() => new PostgresStore(new PostgresStoreOptions { ConnectionString = "Host=localhost", TableName = table }));

    [Fact]
    public void A_lifetime_or_purge_interval_that_is_not_positive_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PostgresStore(new PostgresStoreOptions { ConnectionString = "Host=localhost", DefaultLifetime = TimeSpan.Zero }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PostgresStore(new PostgresStoreOptions { ConnectionString = "Host=localhost", PurgeInterval = TimeSpan.FromSeconds(-1) }));
    }

    [Fact]
    public void A_store_without_a_connection_string_or_a_data_source_is_refused() =>
        Assert.Throws<ArgumentException>(() => new PostgresStore(new PostgresStoreOptions()));

    internal static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private SessionData Session(TimeSpan? maxAge, string values = "")
    {
        var cookie = maxAge is { } age
            ? $$"""{"originalMaxAge":{{(long)age.TotalMilliseconds}},"expires":"{{Iso(_time.GetUtcNow() + age)}}","httpOnly":true,"path":"/"}"""
            : """{"originalMaxAge":null,"httpOnly":true,"path":"/"}""";
        return SessionData.Parse($$"""{"cookie":{{cookie}}{{(values.Length > 0 ? "," + values : "")}}}""", _time);
    }

    private static string Local(DateTimeOffset time, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(time, zone).ToString("yyyy-MM-dd HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture);

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private static string? Value(SessionData? data, string key) =>
        data is not null && data.TryGetRawValue(key, out var json) ? Encoding.UTF8.GetString(json.Span) : null;

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<string[]> QueryAsync(string connectionString, string sql, params string[] parameters)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = parameter });
        }

        var rows = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return [.. rows];
    }
}
