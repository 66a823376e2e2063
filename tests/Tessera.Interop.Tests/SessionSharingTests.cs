using System.Globalization;

namespace Tessera.Interop.Tests;

/// <summary>
/// express-session (with connect-redis) and Tessera (with the Redis store) on one Redis, with
/// one secret and cookie name: each reads, changes, destroys and regenerates the other's sessions.
/// </summary>
[Collection(InteropTestGroup.Name)]
public sealed class SessionSharingTests(InteropFixture fixture)
{
    private SessionClient Node => fixture.Node;

    private SessionClient DotNet => fixture.DotNet;

    [Fact]
    public Task A_session_written_by_node_is_read_by_dotnet() => WrittenByIsReadByAsync(Node, DotNet);

    [Fact]
    public Task A_session_written_by_dotnet_is_read_by_node() => WrittenByIsReadByAsync(DotNet, Node);

    [Fact]
    public Task A_cookie_issued_by_node_is_accepted_by_dotnet() => IssuedByIsAcceptedByAsync(Node, DotNet);

    [Fact]
    public Task A_cookie_issued_by_dotnet_is_accepted_by_node() => IssuedByIsAcceptedByAsync(DotNet, Node);

    [Fact]
    public Task Dotnet_sends_the_same_cookie_as_node_for_a_session_node_created() => SameCookieAsync(Node, DotNet);

    [Fact]
    public Task Node_sends_the_same_cookie_as_dotnet_for_a_session_dotnet_created() => SameCookieAsync(DotNet, Node);

    [Fact]
    public Task A_change_made_by_dotnet_to_a_node_session_is_seen_by_node() => ChangeIsSeenAsync(creator: Node, changer: DotNet);

    [Fact]
    public Task A_change_made_by_node_to_a_dotnet_session_is_seen_by_dotnet() => ChangeIsSeenAsync(creator: DotNet, changer: Node);

    [Fact]
    public async Task Changes_made_in_turn_by_both_sides_all_land_in_one_session()
    {
        var cookie = (await Node.SetAsync(null, new { node1 = 1 })).Cookie;
        await DotNet.SetAsync(cookie, new { dotnet1 = 2 });
        await Node.SetAsync(cookie, new { node2 = 3 });
        await DotNet.SetAsync(cookie, new { dotnet2 = 4 });

        JsonAssert.Equal("""{"node1":1,"dotnet1":2,"node2":3,"dotnet2":4}""", (await Node.GetAsync(cookie)).Values);
        JsonAssert.Equal("""{"node1":1,"dotnet1":2,"node2":3,"dotnet2":4}""", (await DotNet.GetAsync(cookie)).Values);
    }

    [Fact]
    public Task A_session_destroyed_by_node_is_a_new_empty_session_for_dotnet() => DestroyedIsGoneAsync(owner: DotNet, destroyer: Node);

    [Fact]
    public Task A_session_destroyed_by_dotnet_is_a_new_empty_session_for_node() => DestroyedIsGoneAsync(owner: Node, destroyer: DotNet);

    [Fact]
    public Task A_session_regenerated_by_node_leaves_dotnet_the_old_cookie_empty_and_the_new_one_current() =>
        RegeneratedAsync(owner: DotNet, regenerator: Node);

    [Fact]
    public Task A_session_regenerated_by_dotnet_leaves_node_the_old_cookie_empty_and_the_new_one_current() =>
        RegeneratedAsync(owner: Node, regenerator: DotNet);

    [Fact]
    public async Task A_cookie_with_a_forged_signature_is_refused_by_both_sides()
    {
        var issued = await Node.SetAsync(null, new { user = "alice" });
        var cookie = issued.Cookie!;
        var forged = cookie[..^4] + (cookie.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");

        foreach (var side in new[] { Node, DotNet })
        {
            var reply = await side.GetAsync(forged);
            Assert.NotEqual(issued.Id, reply.Id);
            Assert.Empty(reply.Values);
        }

        Assert.Equal(issued.Id, (await DotNet.GetAsync(cookie)).Id);
    }

    private static async Task WrittenByIsReadByAsync(SessionClient writer, SessionClient reader)
    {
        var written = await writer.SetAsync(null, new { user = "alice", views = 3, admin = false });
        Assert.NotNull(written.Cookie);

        var read = await reader.GetAsync(written.Cookie);

        Assert.Equal(written.Id, read.Id);
        JsonAssert.Equal("""{"user":"alice","views":3,"admin":false}""", read.Values);
    }

    private static async Task IssuedByIsAcceptedByAsync(SessionClient issuer, SessionClient acceptor)
    {
        var issued = await issuer.SetAsync(null, new { signedIn = true });
        Assert.StartsWith($"{InteropFixture.CookieName}=s%3A{issued.Id}.", issued.Cookie, StringComparison.Ordinal);

        var reply = await acceptor.IdAsync(issued.Cookie);

        Assert.Equal(issued.Id, reply.Id);
        Assert.Null(reply.SetCookie); // a loaded, unmodified session gets no new cookie on either side
    }

    private static async Task SameCookieAsync(SessionClient creator, SessionClient other)
    {
        var created = await creator.SetAsync(null, new { step = 1 });
        var changed = await other.SetAsync(created.Cookie, new { step = 2 });

        Assert.Equal(created.Id, changed.Id);
        Assert.NotNull(changed.SetCookie);
        Assert.Equal(created.Cookie, changed.Cookie);
        Assert.Equal(WithoutExpires(created.SetCookie!), WithoutExpires(changed.SetCookie!));
        Assert.Equal("Path=/; Expires=; HttpOnly", WithoutExpires(changed.SetCookie!).Split("; ", 2)[1]);
        var expires = DateTimeOffset.Parse(Attribute(changed.SetCookie!, "Expires"), CultureInfo.InvariantCulture);
        Assert.InRange(expires, DateTimeOffset.UtcNow + InteropFixture.MaxAge - TimeSpan.FromMinutes(1), DateTimeOffset.UtcNow + InteropFixture.MaxAge + TimeSpan.FromSeconds(1));
    }

    private static async Task ChangeIsSeenAsync(SessionClient creator, SessionClient changer)
    {
        var created = await creator.SetAsync(null, new { count = 1, by = creator.Side });

        await changer.SetAsync(created.Cookie, new { count = 2, by = changer.Side });
        var seen = await creator.GetAsync(created.Cookie);

        Assert.Equal(created.Id, seen.Id);
        JsonAssert.Equal($$"""{"count":2,"by":"{{changer.Side}}"}""", seen.Values);
    }

    private async Task DestroyedIsGoneAsync(SessionClient owner, SessionClient destroyer)
    {
        var created = await owner.SetAsync(null, new { user = "alice" });
        Assert.Equal(created.Id, (await destroyer.GetAsync(created.Cookie)).Id);

        await destroyer.DestroyAsync(created.Cookie);
        var after = await owner.GetAsync(created.Cookie);

        Assert.False(await fixture.Redis.KeyExistsAsync("sess:" + created.Id));
        Assert.NotEqual(created.Id, after.Id);
        Assert.Empty(after.Values);
        Assert.Null(after.SetCookie);
    }

    private async Task RegeneratedAsync(SessionClient owner, SessionClient regenerator)
    {
        var created = await owner.SetAsync(null, new { user = "alice" });

        var regenerated = await regenerator.RegenerateAsync(created.Cookie, new { stage = "after" });

        Assert.NotEqual(created.Id, regenerated.Id);
        Assert.NotNull(regenerated.Cookie);
        Assert.NotEqual(created.Cookie, regenerated.Cookie);
        Assert.False(await fixture.Redis.KeyExistsAsync("sess:" + created.Id));
        Assert.True(await fixture.Redis.KeyExistsAsync("sess:" + regenerated.Id));

        var withOldCookie = await owner.GetAsync(created.Cookie);
        Assert.NotEqual(created.Id, withOldCookie.Id);
        Assert.NotEqual(regenerated.Id, withOldCookie.Id);
        Assert.Empty(withOldCookie.Values);

        var withNewCookie = await owner.GetAsync(regenerated.Cookie);
        Assert.Equal(regenerated.Id, withNewCookie.Id);
        JsonAssert.Equal("""{"stage":"after"}""", withNewCookie.Values);
    }

    private static string WithoutExpires(string setCookie) =>
        string.Join("; ", setCookie.Split("; ").Select(part => part.StartsWith("Expires=", StringComparison.OrdinalIgnoreCase) ? "Expires=" : part));

    private static string Attribute(string setCookie, string name) =>
        setCookie.Split("; ").Single(part => part.StartsWith(name + "=", StringComparison.OrdinalIgnoreCase))[(name.Length + 1)..];
}
