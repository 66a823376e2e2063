using System.Text.Json.Nodes;

namespace Tessera.Interop.Tests;

/// <summary>
/// connect-redis lists, counts and reads every session by <c>SCAN sess:*</c>: the index of
/// sessions by user that Tessera keeps in the same Redis must stay out of that scan.
/// </summary>
[Collection(InteropTestGroup.Name)]
public sealed class ConnectRedisListingTests(InteropFixture fixture)
{
    [Fact]
    public async Task Connect_redis_length_ids_and_all_count_only_sessions_when_tessera_indexes_users()
    {
        var lengthBefore = await LengthAsync();
        var idsBefore = await IdsAsync();

        // Two signed-in sessions and one anonymous one, written by Tessera: the user's index set is created.
        var first = await fixture.DotNet.SetAsync(null, new { views = 1 });
        await fixture.DotNet.SendAsync(HttpMethod.Post, "signin", first.Cookie, new { userId = "interop-listing" });
        var second = await fixture.DotNet.SetAsync(null, new { views = 2 });
        await fixture.DotNet.SendAsync(HttpMethod.Post, "signin", second.Cookie, new { userId = "interop-listing" });
        var anonymous = await fixture.DotNet.SetAsync(null, new { views = 3 });
        Assert.True(await fixture.Redis.KeyExistsAsync("sess-user:interop-listing"), "Tessera kept no index of the user's sessions.");

        var ids = await IdsAsync();

        Assert.Equal(lengthBefore + 3, await LengthAsync());
        Assert.Equal(idsBefore.Count + 3, ids.Count);
        Assert.Contains(first.Id, ids);
        Assert.Contains(second.Id, ids);
        Assert.Contains(anonymous.Id, ids);
        Assert.DoesNotContain(ids, id => id.Contains("user", StringComparison.Ordinal));
        var all = (await fixture.Node.SendAsync(HttpMethod.Get, "store/all", null)).Body!;
        Assert.Equal(lengthBefore + 3, (long)all["count"]!);
    }

    private async Task<long> LengthAsync() =>
        (long)(await fixture.Node.SendAsync(HttpMethod.Get, "store/length", null)).Body!["length"]!;

    private async Task<HashSet<string>> IdsAsync() =>
        [.. ((JsonArray)(await fixture.Node.SendAsync(HttpMethod.Get, "store/ids", null)).Body!["ids"]!).Select(id => (string)id!)];
}
