using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tessera.Interop.Tests;

/// <summary>Nested objects, dates, text beyond ASCII and numbers survive the trip in both directions.</summary>
[Collection(InteropTestGroup.Name)]
public sealed class ValueFidelityTests(InteropFixture fixture)
{
    // Nested objects and arrays, é, an emoji (a surrogate pair in UTF-16), CJK, characters JSON
    // escapes, and the numbers JavaScript and .NET are most likely to disagree on.
    private const string Values = """
        {
          "user": {"name": "Zoë 😀", "roles": ["admin", "éditeur", "編集者"], "address": {"city": "東京", "zip": "100-0001"}},
          "greeting": "こんにちは, 안녕하세요, 你好",
          "escapes": "quote \" backslash \\ newline \n tab \t control \u0001 slash /",
          "integer": 42,
          "zero": 0,
          "tenth": 0.1,
          "maxSafe": 9007199254740991,
          "minSafe": -9007199254740991,
          "negative": -17,
          "negativeFraction": -2.5,
          "small": 1e-7,
          "flags": [true, false, null],
          "empty": {"object": {}, "array": [], "string": ""}
        }
        """;

    private static readonly Profile Alice = new(
        Name: "Zoë 😀 山田",
        SignedUpAt: new DateTimeOffset(2026, 3, 4, 5, 6, 7, 89, TimeSpan.Zero),
        Address: new Address("Zürich", "日本"),
        Visits: 42,
        MaxSafe: 9007199254740991,
        Tenth: 0.1,
        Negative: -17,
        NegativeFraction: -2.5);

    // Alice as JavaScript's JSON.stringify writes her.
    private const string AliceJson = """{"name":"Zoë 😀 山田","signedUpAt":"2026-03-04T05:06:07.089Z","address":{"city":"Zürich","country":"日本"},"visits":42,"maxSafe":9007199254740991,"tenth":0.1,"negative":-17,"negativeFraction":-2.5}""";

    private SessionClient Node => fixture.Node;

    private SessionClient DotNet => fixture.DotNet;

    [Fact]
    public Task Nested_objects_unicode_and_numbers_written_by_node_are_read_by_dotnet() => SameValuesAsync(Node, DotNet);

    [Fact]
    public Task Nested_objects_unicode_and_numbers_written_by_dotnet_are_read_by_node() => SameValuesAsync(DotNet, Node);

    [Fact]
    public async Task Values_node_wrote_are_stored_byte_for_byte_after_dotnet_changes_the_session()
    {
        var created = await Node.SetAsync(null, JsonNode.Parse(Values)!);
        var before = await StoredAsync(created.Id);

        await DotNet.SetAsync(created.Cookie, new { addedBy = "dotnet" });
        var after = await StoredAsync(created.Id);

        // Every value node wrote keeps its exact JSON text and its place; the new one comes last.
        var expected = RawValues(before).Append(new("addedBy", "\"dotnet\"")).ToList();
        Assert.Equal(expected, RawValues(after));
        JsonAssert.Equal(JsonNode.Parse(Values)!["user"], (await Node.GetAsync(created.Cookie)).Values["user"]);
    }

    [Fact]
    public async Task Values_dotnet_wrote_keep_their_values_after_node_changes_the_session()
    {
        var created = await DotNet.SetAsync(null, JsonNode.Parse(Values)!);

        await Node.SetAsync(created.Cookie, new { addedBy = "node" });
        var read = await DotNet.GetAsync(created.Cookie);

        var expected = JsonNode.Parse(Values)!.AsObject();
        expected["addedBy"] = "node";
        JsonAssert.Equal(expected, read.Values);
    }

    [Fact]
    public async Task A_typed_value_written_by_dotnet_is_read_by_node_as_javascript_writes_it()
    {
        var created = await DotNet.SendAsync(HttpMethod.Post, "profile", null, Alice);

        var read = await Node.GetAsync(created.Cookie);

        JsonAssert.Equal(AliceJson, read.Values["profile"]);
        Assert.Contains("\"profile\":" + AliceJson, await fixture.Redis.StringGetAsync("sess:" + created.Id), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Number, read.Values["profile"]!["maxSafe"]!.GetValueKind());
        Assert.Equal(9007199254740991L, (long)read.Values["profile"]!["maxSafe"]!);
        Assert.Equal(0.1, (double)read.Values["profile"]!["tenth"]!);
    }

    [Fact]
    public async Task A_value_written_by_node_is_read_by_dotnet_as_a_typed_value()
    {
        var created = await Node.SetAsync(null, new JsonObject { ["profile"] = JsonNode.Parse(AliceJson) });

        var read = await DotNet.SendAsync(HttpMethod.Get, "profile", created.Cookie);

        Assert.Equal(Alice, read.Body.Deserialize<Profile>(JsonSerializerOptions.Web));
    }

    [Fact]
    public async Task A_date_written_by_dotnet_is_a_javascript_date_for_node()
    {
        var created = await DotNet.SetDatesAsync(null, new { utc = "2026-03-04T05:06:07.089Z", offset = "2026-03-04T06:06:07.089+01:00" });

        var read = await Node.GetAsync(created.Cookie);

        Assert.Equal("2026-03-04T05:06:07.089Z", (string?)read.Values["utc"]);
        Assert.Equal("2026-03-04T05:06:07.089Z", (string?)read.Values["offset"]);
        Assert.Equal("2026-03-04T05:06:07.089Z", (string?)(await Node.DateAsync(created.Cookie, "utc")).Body?["iso"]);
        Assert.Equal("2026-03-04T05:06:07.089Z", (string?)(await Node.DateAsync(created.Cookie, "offset")).Body?["iso"]);
    }

    [Fact]
    public async Task A_javascript_date_written_by_node_is_a_DateTimeOffset_for_dotnet()
    {
        var created = await Node.SetDatesAsync(null, new { since = "2026-03-04T05:06:07.089Z", epoch = "1970-01-01T00:00:00.000Z" });

        Assert.Equal("2026-03-04T05:06:07.089Z", (string?)(await DotNet.GetAsync(created.Cookie)).Values["since"]);
        Assert.Equal("2026-03-04T05:06:07.089Z", (string?)(await DotNet.DateAsync(created.Cookie, "since")).Body?["iso"]);
        Assert.Equal("1970-01-01T00:00:00.000Z", (string?)(await DotNet.DateAsync(created.Cookie, "epoch")).Body?["iso"]);
    }

    private static async Task SameValuesAsync(SessionClient writer, SessionClient reader)
    {
        var written = await writer.SetAsync(null, JsonNode.Parse(Values)!);
        JsonAssert.Equal(Values, written.Values);

        var read = await reader.GetAsync(written.Cookie);

        Assert.Equal(written.Id, read.Id);
        JsonAssert.Equal(Values, read.Values);
        Assert.Equal(9007199254740991L, (long)read.Values["maxSafe"]!);
        Assert.Equal(-9007199254740991L, (long)read.Values["minSafe"]!);
        Assert.Equal(0.1, (double)read.Values["tenth"]!);
        Assert.Equal("Zoë 😀", (string?)read.Values["user"]!["name"]);
    }

    private async Task<string> StoredAsync(string id) =>
        (string?)await fixture.Redis.StringGetAsync("sess:" + id) ?? throw new InvalidOperationException($"sess:{id} is not in Redis.");

    /// <summary>The document's values (without the cookie) as their exact JSON text, in order.</summary>
    private static List<KeyValuePair<string, string>> RawValues(string document)
    {
        using var parsed = JsonDocument.Parse(document);
        return parsed.RootElement.EnumerateObject()
            .Where(property => property.Name != "cookie")
            .Select(property => new KeyValuePair<string, string>(property.Name, property.Value.GetRawText()))
            .ToList();
    }
}
