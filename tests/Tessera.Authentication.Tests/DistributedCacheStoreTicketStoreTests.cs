using Microsoft.Extensions.DependencyInjection;

namespace Tessera.Authentication.Tests;

/// <summary>
/// Cookie authentication's tickets in a <see cref="DistributedCacheStore"/>: sign-in, sign-out
/// and renewal work; the store keeps no index of sessions by user, so <see cref="SessionIndex"/>
/// fails clearly and signs nobody out.
/// </summary>
public sealed class DistributedCacheStoreTicketStoreTests : TicketStoreTests
{
    protected override void AddStore(TesseraBuilder tessera)
    {
        tessera.Services.AddDistributedMemoryCache();
        tessera.AddDistributedCacheStore();
    }

    [Fact]
    public async Task SessionIndex_says_the_store_keeps_no_index_by_user_and_signs_nobody_out()
    {
        var app = await StartAsync();
        var browser = app.Browser();
        await browser.SignInAsync("alice");

        var list = await Assert.ThrowsAsync<NotSupportedException>(async () => await app.Index.ListAsync("alice"));
        var destroy = await Assert.ThrowsAsync<NotSupportedException>(async () => await app.Index.DestroyAllAsync("alice"));

        Assert.Contains("DistributedCacheStore keeps no index of sessions by user (IUserSessionStore); use MemoryStore, SqliteStore, PostgresStore or RedisStore.", list.Message, StringComparison.Ordinal);
        Assert.Equal(list.Message, destroy.Message);
        Assert.Equal("alice", await browser.WhoAmIAsync());
    }
}
