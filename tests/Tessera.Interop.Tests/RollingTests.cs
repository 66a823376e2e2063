using System.Globalization;
using System.Text.Json.Nodes;

namespace Tessera.Interop.Tests;

/// <summary>
/// express-session's <c>rolling: true</c> and Tessera's <c>Rolling = true</c> on one Redis: every
/// response from either runtime re-sends the cookie and re-arms the expiry, in the cookie and in
/// Redis, for a session the other runtime created and did not change since.
/// </summary>
[Collection(InteropTestGroup.Name)]
public sealed class RollingTests(InteropFixture fixture)
{
    /// <summary>What the stored session's remaining lifetime is cut down to before each request.</summary>
    private static readonly TimeSpan Shortened = TimeSpan.FromSeconds(100);

    [Fact]
    public Task Every_response_of_either_runtime_rearms_a_session_node_created() =>
        EveryResponseRearmsAsync(fixture.NodeRolling, [fixture.DotNetRolling, fixture.NodeRolling, fixture.DotNetRolling, fixture.NodeRolling]);

    [Fact]
    public Task Every_response_of_either_runtime_rearms_a_session_dotnet_created() =>
        EveryResponseRearmsAsync(fixture.DotNetRolling, [fixture.NodeRolling, fixture.DotNetRolling, fixture.NodeRolling, fixture.DotNetRolling]);

    private async Task EveryResponseRearmsAsync(SessionClient creator, SessionClient[] readers)
    {
        var created = await creator.SetAsync(null, new { views = 1, by = creator.Side });
        Assert.NotNull(created.Cookie);
        var key = "sess:" + created.Id;

        foreach (var reader in readers)
        {
            // Left as if the session had last been used almost an hour ago: a response that does
            // not re-arm it leaves it 100 s to live.
            await ShortenAsync(key);

            var reply = await reader.GetAsync(created.Cookie);

            Assert.Equal(created.Id, reply.Id);
            JsonAssert.Equal($$"""{"views":1,"by":"{{creator.Side}}"}""", reply.Values);
            Assert.True(reply.SetCookie is not null, $"{reader.Side} sent no cookie for an unchanged session with rolling on.");
            Assert.Equal(created.Cookie, reply.Cookie);
            var expires = DateTimeOffset.Parse(Attribute(reply.SetCookie, "Expires"), CultureInfo.InvariantCulture);
            Assert.InRange(expires, DateTimeOffset.UtcNow + InteropFixture.MaxAge - TimeSpan.FromMinutes(1), DateTimeOffset.UtcNow + InteropFixture.MaxAge + TimeSpan.FromSeconds(1));
            var ttl = await fixture.Redis.KeyTimeToLiveAsync(key);
            Assert.NotNull(ttl);
            Assert.True(ttl.Value > InteropFixture.MaxAge - TimeSpan.FromMinutes(1), $"{reader.Side} left the stored session {ttl.Value} to live, not re-armed to {InteropFixture.MaxAge}.");
        }
    }

    /// <summary>Sets the stored cookie's expires and the key's TTL to <see cref="Shortened"/> from now.</summary>
    private async Task ShortenAsync(string key)
    {
        var document = JsonNode.Parse((string?)await fixture.Redis.StringGetAsync(key) ?? throw new InvalidOperationException($"{key} is not in Redis."))!;
        document["cookie"]!["expires"] = (DateTimeOffset.UtcNow + Shortened).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        await fixture.Redis.StringSetAsync(key, document.ToJsonString(), Shortened);
    }

    private static string Attribute(string setCookie, string name) =>
        setCookie.Split("; ").Single(part => part.StartsWith(name + "=", StringComparison.OrdinalIgnoreCase))[(name.Length + 1)..];
}
