using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Tessera.Sqlite.Tests;

public sealed class SqliteStoreTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);
    private readonly TemporaryFolder _folder = new();
    private readonly FakeTimeProvider _time = new(Start);

    private string DatabasePath => _folder.File("sessions.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _folder.Delete();
    }

    [Fact]
    public async Task The_file_and_its_schema_are_created_on_first_use()
    {
        var path = Path.Combine(_folder.Path, "nested", "folder", "sessions.db");
        await using (var store = NewStore(o => o.Path = path))
        {
            Assert.False(File.Exists(path));

            Assert.Null(await store.GetAsync("abc"));
        }

        Assert.True(File.Exists(path));
        Assert.Equal(3L, await ScalarAsync(path, "SELECT version FROM tessera_schema"));
        Assert.Equal(1L, await ScalarAsync(path, "SELECT count(*) FROM pragma_table_info('tessera_sessions') WHERE name = 'version' AND type = 'INTEGER' AND \"notnull\" = 1"));
        Assert.Equal(1L, await ScalarAsync(path, "SELECT count(*) FROM pragma_table_info('tessera_sessions') WHERE name = 'user_id' AND type = 'TEXT' AND \"notnull\" = 0"));
        Assert.Equal(1L, await ScalarAsync(path, "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name = 'tessera_sessions_user'"));
        Assert.Equal("wal", await ScalarAsync(path, "PRAGMA journal_mode"));
        Assert.Equal(1L, await ScalarAsync(path, "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name = 'tessera_sessions_expires'"));
    }

    [Fact]
    public async Task Connections_are_in_WAL_mode_with_synchronous_FULL_and_a_busy_timeout()
    {
        await using var store = NewStore(o => o.BusyTimeout = TimeSpan.FromSeconds(3));

        await using var connection = await store.OpenAsync(CancellationToken.None);

        Assert.Equal("wal", await ScalarAsync(connection, "PRAGMA journal_mode"));
        Assert.Equal(2L, await ScalarAsync(connection, "PRAGMA synchronous")); // 2 = FULL
        Assert.Equal(3000L, await ScalarAsync(connection, "PRAGMA busy_timeout"));
    }

    [Fact]
    public async Task A_file_with_a_newer_schema_version_is_refused_with_a_clear_error()
    {
        await using (var store = NewStore())
        {
            await store.SetAsync("abc", NewSession(TimeSpan.FromHours(1)));
        }

        await ExecuteAsync(DatabasePath, "UPDATE tessera_schema SET version = 4");
        await using var newer = NewStore();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await newer.GetAsync("abc"));
        Assert.Contains("schema version 4", error.Message, StringComparison.Ordinal);
        Assert.Contains("Upgrade Tessera.Sqlite", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await newer.SetAsync("abc", NewSession(TimeSpan.FromHours(1))));
    }

    [Fact]
    public async Task A_file_of_the_current_version_is_opened_as_it_is()
    {
        await using (var store = NewStore())
        {
            await store.SetAsync("abc", NewSession(TimeSpan.FromHours(1), ("views", "7")));
        }

        await using var reopened = NewStore();

        Assert.Equal("7", Value(await reopened.GetAsync("abc"), "views"));
        Assert.Equal(1L, await ScalarAsync(DatabasePath, "SELECT count(*) FROM tessera_schema"));
    }

    [Fact]
    public async Task A_version_1_file_is_upgraded_to_the_current_version_and_keeps_its_sessions()
    {
        var expires = Start.AddHours(1).ToUnixTimeMilliseconds();
        var document = NewSession(TimeSpan.FromHours(1), ("views", "7")).ToJson();
        await using (var connection = new SqliteConnection($"Data Source={DatabasePath}"))
        {
            // The file as version 1 of the store left it.
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = """
                PRAGMA journal_mode = WAL;
                CREATE TABLE tessera_sessions (
                    id TEXT NOT NULL PRIMARY KEY,
                    data TEXT NOT NULL,
                    expires INTEGER NOT NULL
                );
                CREATE INDEX tessera_sessions_expires ON tessera_sessions (expires);
                CREATE TABLE tessera_schema (version INTEGER NOT NULL);
                INSERT INTO tessera_schema (version) VALUES (1);
                INSERT INTO tessera_sessions (id, data, expires) VALUES ('old', $data, $expires);
                """;
            command.Parameters.AddWithValue("$data", document);
            command.Parameters.AddWithValue("$expires", expires);
            await command.ExecuteNonQueryAsync();
        }

        SqliteConnection.ClearAllPools();
        await using var store = NewStore();

        var read = await store.GetAsync("old");
        Assert.Equal(document, read!.ToJson());
        Assert.Equal(1L, read.StoreVersion);
        Assert.Equal(3L, await ScalarAsync(DatabasePath, "SELECT version FROM tessera_schema"));
        Assert.Equal(1L, await ScalarAsync(DatabasePath, "SELECT count(*) FROM tessera_schema"));
        Assert.Equal(expires, await ScalarAsync(DatabasePath, "SELECT expires FROM tessera_sessions WHERE id = 'old'"));

        read.SetRawValue("views", "8"u8);
        Assert.Equal(2L, await store.TrySetAsync("old", read, 1L));
        Assert.Null(await store.TrySetAsync("old", NewSession(TimeSpan.FromHours(1)), 1L));
        Assert.Equal("8", Value(await store.GetAsync("old"), "views"));
    }

    [Fact]
    public async Task A_version_2_file_is_upgraded_to_version_3_with_the_users_of_its_sessions_indexed()
    {
        var expires = Start.AddHours(1).ToUnixTimeMilliseconds();
        var signedIn = SessionData.Parse(
            """{"cookie":{"originalMaxAge":3600000,"expires":"2026-11-29T13:00:00.000Z","httpOnly":true,"path":"/"},"views":7,"_tessera":{"created":"2026-11-29T11:00:00.000Z","userId":"alice","userAgent":"Laptop/1.0"}}""",
            _time).ToJson();
        var anonymous = NewSession(TimeSpan.FromHours(1), ("views", "1")).ToJson();
        const string NumericUser = """{"cookie":{"originalMaxAge":null,"expires":null,"path":"/"},"_tessera":{"userId":42}}""";
        await using (var connection = new SqliteConnection($"Data Source={DatabasePath}"))
        {
            // The file as version 2 of the store left it.
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = """
                PRAGMA journal_mode = WAL;
                CREATE TABLE tessera_sessions (
                    id TEXT NOT NULL PRIMARY KEY,
                    data TEXT NOT NULL,
                    expires INTEGER NOT NULL,
                    version INTEGER NOT NULL DEFAULT 1
                );
                CREATE INDEX tessera_sessions_expires ON tessera_sessions (expires);
                CREATE TABLE tessera_schema (version INTEGER NOT NULL);
                INSERT INTO tessera_schema (version) VALUES (2);
                INSERT INTO tessera_sessions (id, data, expires, version) VALUES ('signed-in', $signedIn, $expires, 5);
                INSERT INTO tessera_sessions (id, data, expires, version) VALUES ('anonymous', $anonymous, $expires, 6);
                INSERT INTO tessera_sessions (id, data, expires, version) VALUES ('numeric-user', $numeric, $expires, 7);
                INSERT INTO tessera_sessions (id, data, expires, version) VALUES ('not-json', 'not json {', $expires, 8);
                """;
            command.Parameters.AddWithValue("$signedIn", signedIn);
            command.Parameters.AddWithValue("$anonymous", anonymous);
            command.Parameters.AddWithValue("$numeric", NumericUser);
            command.Parameters.AddWithValue("$expires", expires);
            await command.ExecuteNonQueryAsync();
        }

        SqliteConnection.ClearAllPools();
        await using var store = NewStore();

        var listed = Assert.Single(await store.GetUserSessionsAsync("alice"));
        Assert.Equal("signed-in", listed.Key);
        Assert.Equal("Laptop/1.0", listed.UserAgent);
        Assert.Equal(3L, await ScalarAsync(DatabasePath, "SELECT version FROM tessera_schema"));
        Assert.Equal(1L, await ScalarAsync(DatabasePath, "SELECT count(*) FROM tessera_schema"));
        Assert.Equal("alice", await ScalarAsync(DatabasePath, "SELECT user_id FROM tessera_sessions WHERE id = 'signed-in'"));
        Assert.Equal(3L, await ScalarAsync(DatabasePath, "SELECT count(*) FROM tessera_sessions WHERE user_id IS NULL"));
        Assert.Equal(1L, await ScalarAsync(DatabasePath, "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name = 'tessera_sessions_user'"));

        // The rows keep their documents, expiries and versions.
        var read = await store.GetAsync("signed-in");
        Assert.Equal(signedIn, read!.ToJson());
        Assert.Equal(5L, read.StoreVersion);
        Assert.Equal(expires, await ScalarAsync(DatabasePath, "SELECT expires FROM tessera_sessions WHERE id = 'signed-in'"));
        read.UserId = "bob";
        Assert.NotNull(await store.TrySetAsync("signed-in", read, 5L));
        Assert.Empty(await store.GetUserSessionsAsync("alice"));
        Assert.Equal("signed-in", Assert.Single(await store.GetUserSessionsAsync("bob")).Key);
    }

    [Fact]
    public async Task An_upgrade_that_fails_leaves_the_file_at_its_old_version()
    {
        await using (var connection = new SqliteConnection($"Data Source={DatabasePath}"))
        {
            // A version 2 file in which the upgrade's index name is already taken: the upgrade fails half way.
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = """
                CREATE TABLE tessera_sessions (id TEXT NOT NULL PRIMARY KEY, data TEXT NOT NULL, expires INTEGER NOT NULL, version INTEGER NOT NULL DEFAULT 1);
                CREATE INDEX tessera_sessions_expires ON tessera_sessions (expires);
                CREATE TABLE tessera_schema (version INTEGER NOT NULL);
                INSERT INTO tessera_schema (version) VALUES (2);
                CREATE INDEX tessera_sessions_user ON tessera_sessions (data);
                """;
            await command.ExecuteNonQueryAsync();
        }

        SqliteConnection.ClearAllPools();
        await using (var store = NewStore())
        {
            await Assert.ThrowsAsync<SqliteException>(async () => await store.GetAsync("abc"));
        }

        SqliteConnection.ClearAllPools();
        Assert.Equal(2L, await ScalarAsync(DatabasePath, "SELECT version FROM tessera_schema"));
        Assert.Equal(0L, await ScalarAsync(DatabasePath, "SELECT count(*) FROM pragma_table_info('tessera_sessions') WHERE name = 'user_id'"));
    }

    [Fact]
    public async Task Every_write_records_the_sessions_user_in_the_same_row()
    {
        await using var store = NewStore();
        var data = NewSession(TimeSpan.FromHours(1));
        data.UserId = "alice";

        var version = await store.SetAsync("abc", data);
        Assert.Equal("alice", await ScalarAsync(DatabasePath, "SELECT user_id FROM tessera_sessions WHERE id = 'abc'"));

        var next = NewSession(TimeSpan.FromHours(1));
        next.UserId = "bob";
        Assert.NotNull(await store.TrySetAsync("abc", next, version!));
        Assert.Equal("bob", await ScalarAsync(DatabasePath, "SELECT user_id FROM tessera_sessions WHERE id = 'abc'"));

        await store.TouchAsync("abc", NewSession(TimeSpan.FromHours(2)));
        Assert.Equal("bob", await ScalarAsync(DatabasePath, "SELECT user_id FROM tessera_sessions WHERE id = 'abc'"));

        await store.SetAsync("abc", NewSession(TimeSpan.FromHours(1)));
        Assert.Equal(DBNull.Value, await ScalarAsync(DatabasePath, "SELECT user_id FROM tessera_sessions WHERE id = 'abc'"));
    }

    [Fact]
    public async Task Listing_a_users_sessions_searches_the_user_index_and_never_scans_the_table()
    {
        await using var store = NewStore();
        await store.SetAsync("abc", NewSession(TimeSpan.FromHours(1)));
        await using var connection = await store.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + SqliteSchema.UserSessions;
        command.Parameters.AddWithValue("$user", "alice");
        command.Parameters.AddWithValue("$now", 0L);

        var plan = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                plan.Add(reader.GetString(3));
            }
        }

        var step = Assert.Single(plan);
        Assert.StartsWith("SEARCH tessera_sessions USING INDEX tessera_sessions_user (user_id=?)", step, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Expired_sessions_leave_the_user_index_with_the_purge()
    {
        await using var store = NewStore();
        var data = NewSession(TimeSpan.FromMinutes(1));
        data.UserId = "alice";
        await store.SetAsync("abc", data);

        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Empty(await store.GetUserSessionsAsync("alice"));
        Assert.Equal(1L, await ScalarAsync(DatabasePath, "SELECT count(*) FROM tessera_sessions WHERE user_id = 'alice'"));

        Assert.Equal(1L, await store.PurgeAsync(CancellationToken.None));
        Assert.Equal(0L, await ScalarAsync(DatabasePath, "SELECT count(*) FROM tessera_sessions WHERE user_id = 'alice'"));
    }

    [Fact]
    public async Task A_users_session_with_an_unreadable_document_is_left_out_of_the_list()
    {
        await using var store = NewStore();
        var data = NewSession(TimeSpan.FromHours(1));
        data.UserId = "alice";
        await store.SetAsync("good", data);
        await store.SetAsync("bad", data);
        await ExecuteAsync(DatabasePath, "UPDATE tessera_sessions SET data = '{}' WHERE id = 'bad'");

        Assert.Equal("good", Assert.Single(await store.GetUserSessionsAsync("alice")).Key);
    }

    [Fact]
    public async Task Stores_opening_a_version_1_file_together_upgrade_it_once()
    {
        await using (var connection = new SqliteConnection($"Data Source={DatabasePath}"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = """
                CREATE TABLE tessera_sessions (id TEXT NOT NULL PRIMARY KEY, data TEXT NOT NULL, expires INTEGER NOT NULL);
                CREATE INDEX tessera_sessions_expires ON tessera_sessions (expires);
                CREATE TABLE tessera_schema (version INTEGER NOT NULL);
                INSERT INTO tessera_schema (version) VALUES (1);
                """;
            await command.ExecuteNonQueryAsync();
        }

        SqliteConnection.ClearAllPools();
        var stores = Enumerable.Range(0, 4).Select(_ => NewStore()).ToArray();
        try
        {
            await Task.WhenAll(stores.Select((store, i) => Task.Run(async () =>
                await store.SetAsync($"id{i}", NewSession(TimeSpan.FromHours(1))))));
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }

        Assert.Equal(3L, await ScalarAsync(DatabasePath, "SELECT version FROM tessera_schema"));
        Assert.Equal(1L, await ScalarAsync(DatabasePath, "SELECT count(*) FROM tessera_schema"));
        Assert.Equal(4L, await RowCountAsync());
    }

    [Fact]
    public async Task A_row_version_counts_up_with_every_write_of_the_document_and_not_with_a_touch()
    {
        await using var store = NewStore();
        var data = NewSession(TimeSpan.FromMinutes(10), ("views", "1"));

        var first = Assert.IsType<long>(await store.SetAsync("abc", data));
        Assert.True(first > 0);
        Assert.Equal(first, await VersionAsync("abc"));

        Assert.Equal(first + 1, await store.SetAsync("abc", data));

        await store.TouchAsync("abc", NewSession(TimeSpan.FromMinutes(30)));
        Assert.Equal(first + 1, await VersionAsync("abc"));
        Assert.Equal(first + 1, (await store.GetAsync("abc"))!.StoreVersion);

        Assert.Equal(first + 2, await store.TrySetAsync("abc", data, first + 1));
        Assert.Equal(first + 2, await VersionAsync("abc"));
    }

    [Fact]
    public async Task A_session_destroyed_and_written_again_does_not_take_up_the_version_a_reader_holds()
    {
        await using var store = NewStore();
        await store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "1")));
        var held = (await store.GetAsync("abc"))!.StoreVersion!;

        await store.DestroyAsync("abc");
        await store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "100")));

        Assert.NotEqual(held, (await store.GetAsync("abc"))!.StoreVersion);
        Assert.Null(await store.TrySetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "2")), held));
        Assert.Equal("100", Value(await store.GetAsync("abc"), "views"));
    }

    [Fact]
    public async Task A_conditional_write_to_an_expired_row_not_yet_purged_leaves_the_row_as_it_was()
    {
        await using var store = NewStore(o => o.PurgeInterval = TimeSpan.FromHours(1));
        var data = NewSession(TimeSpan.FromMinutes(10), ("views", "1"));
        var version = (long)(await store.SetAsync("abc", data))!;

        _time.Advance(TimeSpan.FromMinutes(11));

        Assert.Null(await store.TrySetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "2")), version));
        Assert.Equal(data.ToJson(), await ScalarAsync(DatabasePath, "SELECT data FROM tessera_sessions WHERE id = 'abc'"));
        Assert.Equal(Start.AddMinutes(10).ToUnixTimeMilliseconds(), await ScalarAsync(DatabasePath, "SELECT expires FROM tessera_sessions WHERE id = 'abc'"));
        Assert.Equal(version, await VersionAsync("abc"));
        Assert.Null(await store.GetAsync("abc"));
    }

    [Fact]
    public async Task Conditional_writes_from_stores_on_one_file_let_one_writer_through()
    {
        await using var first = NewStore();
        await using var second = NewStore();
        await first.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10), ("views", "1")));
        var fromFirst = await first.GetAsync("abc");
        var fromSecond = await second.GetAsync("abc");
        fromFirst!.SetRawValue("views", "2"u8);
        fromSecond!.SetRawValue("views", "3"u8);

        Assert.NotNull(await second.TrySetAsync("abc", fromSecond, fromSecond.StoreVersion!));
        Assert.Null(await first.TrySetAsync("abc", fromFirst, fromFirst.StoreVersion!));

        Assert.Equal("3", Value(await first.GetAsync("abc"), "views"));
    }

    [Fact]
    public async Task A_row_holds_the_express_session_document_and_its_expiry_in_unix_milliseconds()
    {
        await using var store = NewStore(o => o.DefaultLifetime = TimeSpan.FromHours(2));
        var data = NewSession(TimeSpan.FromMinutes(10), ("views", "3"));

        await store.SetAsync("abc", data);
        await store.SetAsync("browser", NewSession(maxAge: null));

        Assert.Equal(data.ToJson(), await ScalarAsync(DatabasePath, "SELECT data FROM tessera_sessions WHERE id = 'abc'"));
        Assert.Equal(Start.AddMinutes(10).ToUnixTimeMilliseconds(), await ScalarAsync(DatabasePath, "SELECT expires FROM tessera_sessions WHERE id = 'abc'"));
        Assert.Equal(Start.AddHours(2).ToUnixTimeMilliseconds(), await ScalarAsync(DatabasePath, "SELECT expires FROM tessera_sessions WHERE id = 'browser'"));
    }

    [Fact]
    public async Task Touch_moves_the_expiry_column_and_leaves_the_document()
    {
        await using var store = NewStore();
        var data = NewSession(TimeSpan.FromMinutes(10), ("views", "1"));
        await store.SetAsync("abc", data);

        _time.Advance(TimeSpan.FromMinutes(5));
        var touched = NewSession(TimeSpan.FromMinutes(10), ("views", "2"));
        await store.TouchAsync("abc", touched);

        Assert.Equal(data.ToJson(), await ScalarAsync(DatabasePath, "SELECT data FROM tessera_sessions WHERE id = 'abc'"));
        Assert.Equal(Start.AddMinutes(15).ToUnixTimeMilliseconds(), await ScalarAsync(DatabasePath, "SELECT expires FROM tessera_sessions WHERE id = 'abc'"));
    }

    [Fact]
    public async Task After_a_touch_with_a_new_expiry_a_read_reports_that_expiry_as_the_stores_expiry()
    {
        await using var store = NewStore();
        await store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10)));
        Assert.Equal(Start.AddMinutes(10), (await store.GetAsync("abc"))!.StoreExpires);

        _time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromMilliseconds(123));
        var touched = NewSession(TimeSpan.FromMinutes(10));
        await store.TouchAsync("abc", touched);

        var read = await store.GetAsync("abc");
        var expected = Start.AddMinutes(15).AddMilliseconds(123);
        Assert.Equal(expected, touched.Expires);
        Assert.Equal(expected, read!.StoreExpires);
        Assert.Equal(expected.ToUnixTimeMilliseconds(), read.StoreExpires!.Value.ToUnixTimeMilliseconds());

        // The document keeps the cookie it was written with; the row's expiry tells when it was last active.
        Assert.Equal(Start.AddMinutes(10), read.Cookie.Expires);
        Assert.Equal(Start.AddMinutes(5).AddMilliseconds(123), read.LastSeen);
    }

    [Fact]
    public async Task Listings_report_each_rows_expiry_so_a_users_sessions_show_when_they_were_last_touched()
    {
        await using var store = NewStore();
        var data = NewSession(TimeSpan.FromMinutes(10));
        data.UserId = "alice";
        await store.SetAsync("abc", data);

        _time.Advance(TimeSpan.FromMinutes(3));
        await store.TouchAsync("abc", NewSession(TimeSpan.FromMinutes(10)));

        Assert.Equal(Start.AddMinutes(13), (await store.AllAsync())["abc"].StoreExpires);
        var listed = Assert.Single(await store.GetUserSessionsAsync("alice"));
        Assert.Equal(Start.AddMinutes(3), listed.LastSeen);
    }

    [Fact]
    public async Task Touch_does_not_revive_an_expired_row()
    {
        await using var store = NewStore();
        await store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(10)));

        _time.Advance(TimeSpan.FromMinutes(11));
        await store.TouchAsync("abc", NewSession(TimeSpan.FromMinutes(10)));

        Assert.Null(await store.GetAsync("abc"));
    }

    [Fact]
    public async Task Expired_rows_are_never_returned_and_are_purged_on_the_timer()
    {
        await using var store = NewStore(o => o.PurgeInterval = TimeSpan.FromMinutes(1));
        for (var i = 0; i < 30; i++)
        {
            await store.SetAsync($"short{i}", NewSession(TimeSpan.FromSeconds(10)));
        }

        for (var i = 0; i < 5; i++)
        {
            await store.SetAsync($"long{i}", NewSession(TimeSpan.FromHours(1)));
        }

        _time.Advance(TimeSpan.FromSeconds(30));

        // Expired but not yet purged: in the table, yet invisible.
        Assert.Equal(35L, await RowCountAsync());
        Assert.Null(await store.GetAsync("short0"));
        Assert.Equal(5, await store.CountAsync());
        Assert.DoesNotContain("short0", (await store.AllAsync()).Keys);

        _time.Advance(TimeSpan.FromSeconds(30));
        await store.BackgroundPurge;

        Assert.Equal(5L, await RowCountAsync());
        Assert.NotNull(await store.GetAsync("long0"));
    }

    [Fact]
    public async Task The_purge_deletes_in_batches_of_the_configured_size()
    {
        await using var store = NewStore(o => o.PurgeBatchSize = 100);
        Assert.Equal(0, await store.CountAsync()); // creates the schema
        await InsertRowsAsync(250, Start.AddMinutes(-1));
        await InsertRowsAsync(10, Start.AddHours(1), prefix: "live");

        Assert.Equal(100, await store.PurgeBatchAsync(CancellationToken.None));
        Assert.Equal(160L, await RowCountAsync());
        Assert.Equal(100, await store.PurgeBatchAsync(CancellationToken.None));
        Assert.Equal(50, await store.PurgeBatchAsync(CancellationToken.None));
        Assert.Equal(0, await store.PurgeBatchAsync(CancellationToken.None));
        Assert.Equal(10L, await RowCountAsync());
    }

    [Fact]
    public async Task A_purge_runs_batches_until_no_expired_row_is_left()
    {
        await using var store = NewStore(o => o.PurgeBatchSize = 100);
        Assert.Equal(0, await store.CountAsync()); // creates the schema
        await InsertRowsAsync(1234, Start.AddMinutes(-1));
        await InsertRowsAsync(10, Start.AddHours(1), prefix: "live");

        Assert.Equal(1234, await store.PurgeAsync(CancellationToken.None));
        Assert.Equal(10L, await RowCountAsync());
    }

    [Fact]
    public async Task An_unreadable_row_is_treated_as_missing()
    {
        await using var store = NewStore();
        await store.SetAsync("good", NewSession(TimeSpan.FromHours(1)));
        await ExecuteAsync(DatabasePath, $"INSERT INTO tessera_sessions (id, data, expires) VALUES ('bad', 'not json', {Start.AddHours(1).ToUnixTimeMilliseconds()})");

        Assert.Null(await store.GetAsync("bad"));
        Assert.Equal(["good"], (await store.AllAsync()).Keys);
    }

    [Fact]
    public async Task Stores_on_one_file_write_concurrently_and_see_each_others_sessions()
    {
        await using var first = NewStore();
        await using var second = NewStore();

        await Task.WhenAll(Enumerable.Range(0, 100).Select(i => Task.Run(async () =>
            await (i % 2 == 0 ? first : second).SetAsync($"id{i}", NewSession(TimeSpan.FromHours(1))))));

        Assert.Equal(100, await first.CountAsync());
        Assert.NotNull(await first.GetAsync("id1"));
        Assert.NotNull(await second.GetAsync("id0"));
    }

    [Fact]
    public async Task An_acknowledged_write_survives_the_process_being_killed()
    {
        var writer = Path.Combine(AppContext.BaseDirectory, "Tessera.Sqlite.Tests.Writer.dll");
        var start = new System.Diagnostics.ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(writer);
        start.ArgumentList.Add(DatabasePath);
        start.ArgumentList.Add("durable");

        using var process = System.Diagnostics.Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        string? line;
        try
        {
            line = await process.StandardOutput.ReadLineAsync(timeout.Token);
        }
        finally
        {
            process.Kill(); // SIGKILL: no finalizers, no flushing, no closing of the database
        }

        await process.WaitForExitAsync(timeout.Token);

        Assert.True(line == "written", $"The writer did not acknowledge: '{line}' {await process.StandardError.ReadToEndAsync(timeout.Token)}");
        Assert.True(File.Exists(DatabasePath + "-wal"), "The killed writer should leave its write-ahead log behind.");
        await using var store = new SqliteStore(new SqliteStoreOptions { Path = DatabasePath });
        Assert.Equal("\"before the kill\"", Value(await store.GetAsync("durable"), "written"));
    }

    [Fact]
    public async Task A_disposed_store_refuses_calls_and_stops_purging()
    {
        var store = NewStore(o => o.PurgeInterval = TimeSpan.FromMinutes(1));
        await store.SetAsync("abc", NewSession(TimeSpan.FromSeconds(1)));

        await store.DisposeAsync();
        _time.Advance(TimeSpan.FromMinutes(5));

        Assert.True(store.BackgroundPurge.IsCompleted);
        Assert.Equal(1L, await RowCountAsync());
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await store.GetAsync("abc"));
        await store.DisposeAsync();
    }

    [Fact]
    public void Options_need_exactly_one_of_a_path_and_a_connection_string()
    {
        Assert.Throws<ArgumentException>(() => new SqliteStore(new SqliteStoreOptions()));
        Assert.Throws<ArgumentException>(() => new SqliteStore(new SqliteStoreOptions { Path = "a.db", ConnectionString = "Data Source=a.db" }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SqliteStore(new SqliteStoreOptions { Path = "a.db", PurgeBatchSize = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SqliteStore(new SqliteStoreOptions { Path = "a.db", PurgeInterval = TimeSpan.Zero }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SqliteStore(new SqliteStoreOptions { Path = "a.db", DefaultLifetime = TimeSpan.Zero }));
    }

    [Fact]
    public async Task A_connection_string_can_name_the_file()
    {
        await using var store = NewStore(o =>
        {
            o.Path = null;
            o.ConnectionString = $"Data Source={DatabasePath};Mode=ReadWriteCreate";
        });

        await store.SetAsync("abc", NewSession(TimeSpan.FromHours(1)));

        Assert.Equal(1L, await RowCountAsync());
    }

    [Fact]
    public async Task AddSqliteStore_makes_the_SQLite_store_the_session_store()
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddTessera().AddSqliteStore(DatabasePath, o => o.PurgeBatchSize = 10);
        await using var provider = services.BuildServiceProvider();

        var store = Assert.IsType<SqliteStore>(provider.GetRequiredService<ISessionStore>());
        await store.SetAsync("abc", NewSession(TimeSpan.FromMinutes(1)));

        Assert.Equal(1L, await RowCountAsync());
        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.Null(await store.GetAsync("abc"));
    }

    private SqliteStore NewStore(Action<SqliteStoreOptions>? configure = null)
    {
        var options = new SqliteStoreOptions { Path = DatabasePath };
        configure?.Invoke(options);
        return new SqliteStore(options, _time);
    }

    private SessionData NewSession(TimeSpan? maxAge, params (string Key, string Json)[] values)
    {
        var data = new SessionData(new SessionCookie(_time) { MaxAge = maxAge });
        foreach (var (key, json) in values)
        {
            data.SetRawValue(key, Encoding.UTF8.GetBytes(json));
        }

        return data;
    }

    private static string? Value(SessionData? data, string key) =>
        data is not null && data.TryGetRawValue(key, out var json) ? Encoding.UTF8.GetString(json.Span) : null;

    private Task<object?> VersionAsync(string id) => ScalarAsync(DatabasePath, $"SELECT version FROM tessera_sessions WHERE id = '{id}'");

    private Task<object?> RowCountAsync() => ScalarAsync(DatabasePath, "SELECT count(*) FROM tessera_sessions");

    private async Task InsertRowsAsync(int count, DateTimeOffset expires, string prefix = "row")
    {
        await using var connection = new SqliteConnection($"Data Source={DatabasePath}");
        await connection.OpenAsync();
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO tessera_sessions (id, data, expires) VALUES ($id, $data, $expires)";
        var id = command.Parameters.Add("$id", SqliteType.Text);
        command.Parameters.AddWithValue("$data", NewSession(TimeSpan.FromMinutes(1)).ToJson());
        command.Parameters.AddWithValue("$expires", expires.ToUnixTimeMilliseconds());
        for (var i = 0; i < count; i++)
        {
            id.Value = $"{prefix}{i}";
            await command.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
    }

    private static async Task<object?> ScalarAsync(string path, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={path}");
        await connection.OpenAsync();
        return await ScalarAsync(connection, sql);
    }

    private static async Task<object?> ScalarAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    private static async Task ExecuteAsync(string path, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={path}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
