using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Tessera.Interop.Tests;

/// <summary>What the two apps leave in Redis: connect-redis's key, TTL and document.</summary>
[Collection(InteropTestGroup.Name)]
public sealed partial class StoredDocumentTests(InteropFixture fixture)
{
    [Fact]
    public async Task A_session_dotnet_wrote_is_under_sess_and_its_id_with_a_ttl_and_parses_in_node()
    {
        var written = await fixture.DotNet.SetAsync(null, new { views = 3, name = "Zoë 😀" });
        var key = "sess:" + written.Id;

        var ttl = await fixture.Redis.KeyTimeToLiveAsync(key);
        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, InteropFixture.MaxAge - TimeSpan.FromMinutes(1), InteropFixture.MaxAge);

        var raw = (await fixture.Node.SendAsync(HttpMethod.Get, "raw/" + written.Id, null)).Body!;
        Assert.Equal(key, (string?)raw["key"]);
        Assert.InRange((long)raw["ttl"]!, (long)(InteropFixture.MaxAge.TotalSeconds - 60), (long)InteropFixture.MaxAge.TotalSeconds);

        var document = raw["document"]!.AsObject();
        Assert.Equal(["cookie", "views", "name"], document.Select(property => property.Key));
        Assert.Equal(3, (int)document["views"]!);
        Assert.Equal("Zoë 😀", (string?)document["name"]);
        var cookie = document["cookie"]!.AsObject();
        Assert.Equal(["originalMaxAge", "expires", "httpOnly", "path"], cookie.Select(property => property.Key));
        Assert.Equal((long)InteropFixture.MaxAge.TotalMilliseconds, (long)cookie["originalMaxAge"]!);
        Assert.True((bool)cookie["httpOnly"]!);
        Assert.Equal("/", (string?)cookie["path"]);
        var expires = DateTimeOffset.Parse((string)cookie["expires"]!, CultureInfo.InvariantCulture);
        Assert.InRange(expires, DateTimeOffset.UtcNow + InteropFixture.MaxAge - TimeSpan.FromMinutes(1), DateTimeOffset.UtcNow + InteropFixture.MaxAge);
    }

    [Fact]
    public async Task Both_sides_store_the_same_values_as_the_same_document()
    {
        var values = new JsonObject { ["views"] = 3, ["name"] = "Zoë 😀", ["nested"] = new JsonObject { ["list"] = new JsonArray(1, 0.1, "漢字") } };
        var byNode = await fixture.Node.SetAsync(null, values.DeepClone());
        var byDotNet = await fixture.DotNet.SetAsync(null, values.DeepClone());

        var fromNode = await StoredAsync(byNode.Id);
        var fromDotNet = await StoredAsync(byDotNet.Id);

        Assert.Equal(WithoutExpires(fromNode), WithoutExpires(fromDotNet));
        Assert.Equal(
            """{"cookie":{"originalMaxAge":3600000,"expires":"…","httpOnly":true,"path":"/"},"views":3,"name":"Zoë 😀","nested":{"list":[1,0.1,"漢字"]}}""",
            WithoutExpires(fromDotNet));
    }

    [Fact]
    public async Task A_session_node_wrote_is_under_the_same_kind_of_key_with_the_same_ttl()
    {
        var byNode = await fixture.Node.SetAsync(null, new { views = 1 });
        var byDotNet = await fixture.DotNet.SetAsync(null, new { views = 1 });

        var nodeTtl = await fixture.Redis.KeyTimeToLiveAsync("sess:" + byNode.Id);
        var dotnetTtl = await fixture.Redis.KeyTimeToLiveAsync("sess:" + byDotNet.Id);

        Assert.NotNull(nodeTtl);
        Assert.NotNull(dotnetTtl);
        Assert.InRange((dotnetTtl.Value - nodeTtl.Value).Duration(), TimeSpan.Zero, TimeSpan.FromSeconds(30));
    }

    private async Task<string> StoredAsync(string id) =>
        (string?)await fixture.Redis.StringGetAsync("sess:" + id) ?? throw new InvalidOperationException($"sess:{id} is not in Redis.");

    private static string WithoutExpires(string document) => ExpiresValue().Replace(document, "\"expires\":\"…\"");

    [GeneratedRegex("\"expires\":\"[^\"]*\"")]
    private static partial Regex ExpiresValue();
}
