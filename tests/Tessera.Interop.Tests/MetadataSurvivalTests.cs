using System.Text.Json.Nodes;

namespace Tessera.Interop.Tests;

/// <summary>
/// Tessera's metadata (the <c>_tessera</c> key of the stored document) is a plain value to
/// express-session, so a Node.js write of the same session carries it along.
/// </summary>
[Collection(InteropTestGroup.Name)]
public sealed class MetadataSurvivalTests(InteropFixture fixture)
{
    [Fact]
    public async Task A_user_id_dotnet_set_survives_node_writing_the_same_session()
    {
        var signedIn = await fixture.DotNet.SendAsync(HttpMethod.Post, "signin", null, new { userId = "alice" });
        var cookie = signedIn.Cookie;
        Assert.NotNull(cookie);
        Assert.Equal("alice", (string?)(await StoredAsync(signedIn.Id))["_tessera"]?["userId"]);

        await fixture.Node.SendAsync(HttpMethod.Post, "increment", cookie, new { key = "counter" });
        var incremented = await fixture.Node.SendAsync(HttpMethod.Post, "increment", cookie, new { key = "counter" });
        Assert.Equal(signedIn.Id, incremented.Id);
        Assert.Equal(2, (int)incremented.Values["counter"]!);

        var stored = await StoredAsync(signedIn.Id);
        Assert.Equal(2, (int)stored["counter"]!);
        Assert.Equal("alice", (string?)stored["_tessera"]?["userId"]);
        var whoami = await fixture.DotNet.SendAsync(HttpMethod.Get, "whoami", cookie);
        Assert.Equal(signedIn.Id, (string?)whoami.Body?["id"]);
        Assert.Equal("alice", (string?)whoami.Body?["userId"]);
        Assert.Equal(2, (int)(await fixture.DotNet.GetAsync(cookie)).Values["counter"]!);
    }

    private async Task<JsonNode> StoredAsync(string id) =>
        JsonNode.Parse((string?)await fixture.Redis.StringGetAsync("sess:" + id) ?? throw new InvalidOperationException($"sess:{id} is not in Redis."))!;
}
