using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Tessera.Tests.Infrastructure;

namespace Tessera.Tests.Serialization;

/// <summary>
/// Session values through source-generated <c>JsonTypeInfo&lt;T&gt;</c> (the trimming and native
/// AOT path), and the options the application gave staying its own.
/// </summary>
public sealed partial class JsonTypeInfoTests
{
    public sealed record Cart(List<string> Items);

    [JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
    [JsonSerializable(typeof(Cart))]
    [JsonSerializable(typeof(int))]
    internal sealed partial class CartJsonContext : JsonSerializerContext;

    private static async Task<string> StoredAsync(TestApp app, string cookie, string key)
    {
        var data = await app.Store.GetAsync(SetCookie.SessionId(cookie));
        Assert.NotNull(data);
        Assert.True(data.TryGetRawValue(key, out var raw), $"The session has no '{key}'.");
        return Encoding.UTF8.GetString(raw.Span);
    }

    [Fact]
    public async Task A_value_set_with_a_JsonTypeInfo_is_stored_as_its_JSON_and_read_back_with_one()
    {
        await using var app = await TestApp.StartAsync(null, async context =>
        {
            var session = context.GetSession();
            var cart = session.Get("cart", CartJsonContext.Default.Cart) ?? new Cart([]);
            var found = session.TryGet("cart", CartJsonContext.Default.Cart, out _);
            session.Set("cart", new Cart([.. cart.Items, "apple"]), CartJsonContext.Default.Cart);
            await context.Response.WriteAsync($"{found} {cart.Items.Count}");
        });

        var first = await app.GetAsync();
        var cookie = SetCookie.Require(first);
        var second = await app.GetAsync(cookie: cookie.Split(';')[0]);

        Assert.Equal("False 0", await first.Content.ReadAsStringAsync());
        Assert.Equal("True 1", await second.Content.ReadAsStringAsync());
        Assert.Equal("""{"items":["apple","apple"]}""", await StoredAsync(app, cookie, "cart"));
    }

    [Fact]
    public async Task Values_written_with_reflection_and_with_a_JsonTypeInfo_read_each_other()
    {
        await using var app = await TestApp.StartAsync(null, async context =>
        {
            var session = context.GetSession();
            session.Set("reflected", new Cart(["pear"]));
            session.Set("generated", new Cart(["plum"]), CartJsonContext.Default.Cart);
            await context.Response.WriteAsync(
                $"{session.Get("reflected", CartJsonContext.Default.Cart)!.Items[0]} {session.Get<Cart>("generated")!.Items[0]}");
        });

        Assert.Equal("pear plum", await (await app.GetAsync()).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_JsonSerializerOptions_the_application_gave_are_not_frozen_and_later_changes_do_not_reach_the_sessions()
    {
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        await using var app = await TestApp.StartAsync(o => o.JsonSerializerOptions = json, async context =>
        {
            context.GetSession().Set("cart", new Cart(["fig"]));
            await context.Response.WriteAsync("ok");
        });

        Assert.False(json.IsReadOnly);
        json.PropertyNamingPolicy = null; // the sessions use the copy taken at start-up
        var cookie = SetCookie.Require(await app.GetAsync());

        Assert.Equal("""{"items":["fig"]}""", await StoredAsync(app, cookie, "cart"));
    }
}
