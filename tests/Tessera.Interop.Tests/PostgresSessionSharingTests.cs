using System.Text.Json.Nodes;
using Npgsql;

namespace Tessera.Interop.Tests;

/// <summary>
/// express-session on connect-pg-simple and Tessera on its PostgreSQL store, in one table of a
/// database whose time zone is not UTC: each reads, changes, destroys and regenerates the other's
/// sessions, and both agree on which rows have expired.
/// </summary>
[Collection(PostgresInteropTestGroup.Name)]
public sealed class PostgresSessionSharingTests(PostgresInteropFixture fixture)
{
    private SessionClient Node => fixture.Node;

    private SessionClient DotNet => fixture.DotNet;

    [Fact]
    public Task A_session_written_by_node_is_read_by_dotnet() => WrittenByIsReadByAsync(Node, DotNet);

    [Fact]
    public Task A_session_written_by_dotnet_is_read_by_node() => WrittenByIsReadByAsync(DotNet, Node);

    [Fact]
    public async Task A_counter_incremented_by_each_side_in_turn_counts_every_increment()
    {
        var cookie = (await Node.SendAsync(HttpMethod.Post, "increment", null, new { key = "counter" })).Cookie;
        for (var i = 2; i <= 6; i++)
        {
            var side = i % 2 == 0 ? DotNet : Node;
            var reply = await side.SendAsync(HttpMethod.Post, "increment", cookie, new { key = "counter" });
            Assert.Equal(i, (int)reply.Values["counter"]!);
        }

        Assert.Equal(6, (int)(await Node.GetAsync(cookie)).Values["counter"]!);
        Assert.Equal(6, (int)(await DotNet.GetAsync(cookie)).Values["counter"]!);
    }

    [Fact]
    public Task A_session_destroyed_by_node_is_a_new_empty_session_for_dotnet() => DestroyedIsGoneAsync(owner: DotNet, destroyer: Node);

    [Fact]
    public Task A_session_destroyed_by_dotnet_is_a_new_empty_session_for_node() => DestroyedIsGoneAsync(owner: Node, destroyer: DotNet);

    [Fact]
    public Task A_session_regenerated_by_node_is_seen_by_dotnet_under_its_new_id_only() => RegeneratedAsync(owner: DotNet, regenerator: Node);

    [Fact]
    public Task A_session_regenerated_by_dotnet_is_seen_by_node_under_its_new_id_only() => RegeneratedAsync(owner: Node, regenerator: DotNet);

    [Fact]
    public async Task Both_sides_write_expire_as_the_same_instant_in_a_database_whose_time_zone_is_not_UTC()
    {
        var byNode = await Node.SetAsync(null, new { by = "node" });
        var byDotNet = await DotNet.SetAsync(null, new { by = "dotnet" });

        // connect-pg-simple rounds the cookie's expiry up to a whole second; Tessera keeps the milliseconds.
        var nodeRow = await RawAsync(byNode.Id);
        var nodeCookie = CookieExpires(nodeRow);
        Assert.InRange(RowExpires(nodeRow) - nodeCookie, TimeSpan.Zero, TimeSpan.FromMilliseconds(999));
        var dotNetRow = await RawAsync(byDotNet.Id);
        Assert.Equal(CookieExpires(dotNetRow), RowExpires(dotNetRow));

        // Each is about an hour from now, not an hour give or take the zone's 5:30.
        foreach (var row in new[] { nodeRow, dotNetRow })
        {
            Assert.InRange(RowExpires(row), DateTimeOffset.UtcNow + InteropFixture.MaxAge - TimeSpan.FromMinutes(1), DateTimeOffset.UtcNow + InteropFixture.MaxAge + TimeSpan.FromSeconds(2));
        }

        // Tessera reads the row's expire as the same instant connect-pg-simple does.
        Assert.Equal(RowExpires(nodeRow), (await fixture.Store.GetAsync(byNode.Id))!.StoreExpires);
        Assert.Equal(RowExpires(dotNetRow), (await fixture.Store.GetAsync(byDotNet.Id))!.StoreExpires);
    }

    [Fact]
    public Task A_purge_by_connect_pg_simple_removes_exactly_the_rows_both_sides_consider_expired() =>
        PurgeRemovesExactlyTheExpiredAsync(() => Node.SendAsync(HttpMethod.Post, "prune", cookie: null));

    [Fact]
    public Task A_purge_by_Tessera_removes_exactly_the_rows_both_sides_consider_expired() =>
        PurgeRemovesExactlyTheExpiredAsync(() => fixture.Store.PurgeAsync(CancellationToken.None));

    private async Task PurgeRemovesExactlyTheExpiredAsync(Func<Task> purge)
    {
        var live = new[] { await Node.SetAsync(null, new { n = 1 }), await DotNet.SetAsync(null, new { n = 2 }) };
        var expired = new[] { await Node.SetAsync(null, new { n = 3 }), await DotNet.SetAsync(null, new { n = 4 }) };

        // Expired a minute ago, as connect-pg-simple would have written it: whole seconds through to_timestamp.
        await ExecuteAsync(
            $"UPDATE \"{PostgresInteropFixture.Table}\" SET expire = to_timestamp(ceil(extract(epoch from now())) - 60) WHERE sid = ANY($1)",
            expired.Select(reply => reply.Id).ToArray());

        foreach (var side in new[] { Node, DotNet })
        {
            foreach (var session in live)
            {
                Assert.Equal(session.Id, (await side.GetAsync(session.Cookie)).Id);
            }

            foreach (var session in expired)
            {
                var reply = await side.GetAsync(session.Cookie);
                Assert.NotEqual(session.Id, reply.Id);
                Assert.Empty(reply.Values);
            }
        }

        foreach (var session in expired)
        {
            Assert.Null(await fixture.Store.GetAsync(session.Id));
            Assert.Null((await RawAsync(session.Id))["document"]);
        }

        Assert.Equal(4, await CountRowsAsync([.. live, .. expired]));

        await purge();

        Assert.Equal(2, await CountRowsAsync(live));
        Assert.Equal(0, await CountRowsAsync(expired));
    }

    private static async Task WrittenByIsReadByAsync(SessionClient writer, SessionClient reader)
    {
        var written = await writer.SetAsync(null, new { user = "alice", views = 3, admin = false, nested = new { list = new[] { 1, 2 } } });
        Assert.NotNull(written.Cookie);

        var read = await reader.GetAsync(written.Cookie);

        Assert.Equal(written.Id, read.Id);
        JsonAssert.Equal("""{"user":"alice","views":3,"admin":false,"nested":{"list":[1,2]}}""", read.Values);
    }

    private async Task DestroyedIsGoneAsync(SessionClient owner, SessionClient destroyer)
    {
        var created = await owner.SetAsync(null, new { user = "alice" });
        Assert.Equal(created.Id, (await destroyer.GetAsync(created.Cookie)).Id);

        await destroyer.DestroyAsync(created.Cookie);
        var after = await owner.GetAsync(created.Cookie);

        Assert.Equal(0, await CountRowsAsync([created]));
        Assert.NotEqual(created.Id, after.Id);
        Assert.Empty(after.Values);
        Assert.Null(after.SetCookie);
    }

    private async Task RegeneratedAsync(SessionClient owner, SessionClient regenerator)
    {
        var created = await owner.SetAsync(null, new { user = "alice" });

        var regenerated = await regenerator.RegenerateAsync(created.Cookie, new { stage = "after" });

        Assert.NotEqual(created.Id, regenerated.Id);
        Assert.Equal(0, await CountRowsAsync([created]));
        Assert.Equal(1, await CountRowsAsync([regenerated]));

        var withOldCookie = await owner.GetAsync(created.Cookie);
        Assert.NotEqual(created.Id, withOldCookie.Id);
        Assert.NotEqual(regenerated.Id, withOldCookie.Id);
        Assert.Empty(withOldCookie.Values);

        var withNewCookie = await owner.GetAsync(regenerated.Cookie);
        Assert.Equal(regenerated.Id, withNewCookie.Id);
        JsonAssert.Equal("""{"stage":"after"}""", withNewCookie.Values);
    }

    // What connect-pg-simple reads for the ID, and the row's expire, through the Node.js app.
    private async Task<JsonNode> RawAsync(string id) =>
        (await Node.SendAsync(HttpMethod.Get, "raw/" + Uri.EscapeDataString(id), cookie: null)).Body!;

    private static DateTimeOffset RowExpires(JsonNode raw) =>
        DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round((double)raw["expire"]!));

    private static DateTimeOffset CookieExpires(JsonNode raw) =>
        DateTimeOffset.Parse((string)raw["document"]!["cookie"]!["expires"]!, System.Globalization.CultureInfo.InvariantCulture);

    private async Task<long> CountRowsAsync(Reply[] sessions)
    {
        await using var command = fixture.Database.CreateCommand($"SELECT count(*) FROM \"{PostgresInteropFixture.Table}\" WHERE sid = ANY($1)");
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. sessions.Select(reply => reply.Id)] });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task ExecuteAsync(string sql, string[] ids)
    {
        await using var command = fixture.Database.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = ids });
        await command.ExecuteNonQueryAsync();
    }
}
