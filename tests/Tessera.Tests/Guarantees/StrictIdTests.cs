using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Tessera.Cookies;
using Tessera.Tests.Infrastructure;

namespace Tessera.Tests.Guarantees;

public sealed class StrictIdTests
{
    private static string SignedCookie(string id) => "connect.sid=" + UriComponent.Encode("s:" + new CookieSigner(["keyboard cat"]).Sign(id));

    [Theory]
    [InlineData("short")]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456")] // 33 characters
    [InlineData("abcdefghijklmnopqrstuvwxyz01234!")]  // not base64url
    [InlineData("../../etc/passwd/abcdefghijklmnop")]
    public async Task A_signed_id_the_default_generator_cannot_produce_is_rejected_before_any_store_call(string id)
    {
        await using var app = await TestApp.StartCountingAsync(o => o.SaveUninitialized = true);
        var counting = (CountingStore)app.Store;

        var response = await app.GetAsync("/", SignedCookie(id));

        Assert.Equal(0, counting.Gets);
        Assert.NotEqual(id, SetCookie.SessionId(SetCookie.Require(response)));
    }

    [Fact]
    public async Task ValidateId_decides_for_a_custom_generator()
    {
        await using var app = await TestApp.StartCountingAsync(
            o =>
            {
                o.SaveUninitialized = true;
                o.GenerateId = _ => "tenant-" + Guid.NewGuid().ToString("N");
                o.ValidateId = id => id.StartsWith("tenant-", StringComparison.Ordinal) && id.Length == 39;
            });
        var counting = (CountingStore)app.Store;

        await app.GetAsync("/", SignedCookie("other-" + Guid.NewGuid().ToString("N")));
        Assert.Equal(0, counting.Gets);

        await app.GetAsync("/", SignedCookie("tenant-" + Guid.NewGuid().ToString("N")));
        Assert.Equal(1, counting.Gets);
    }

    [Fact]
    public async Task HashIdsInStore_keys_the_store_by_the_sha256_of_the_id()
    {
        var time = ExpressHarness.NewClock();
        var store = new MemoryStore(timeProvider: time);
        await using var app = await TestApp.StartAsync(
            o => o.HashIdsInStore = true,
            async context =>
            {
                var session = context.GetSession();
                session.Set("n", session.Get<int>("n") + 1);
                await context.Response.WriteAsync(session.Get<int>("n").ToString());
            },
            store: store,
            time: time);

        var cookie = SetCookie.Require(await app.GetAsync());
        var id = SetCookie.SessionId(cookie);
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id)));

        Assert.Equal("2", await (await app.GetAsync("/", cookie)).Content.ReadAsStringAsync());
        Assert.Null(await store.GetAsync(id));
        Assert.NotNull(await store.GetAsync(key));
        Assert.Equal([key], (await store.AllAsync()).Keys);
    }
}
