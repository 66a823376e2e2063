using System.Text;
using Microsoft.AspNetCore.Http;
using Tessera.Middleware;
using Tessera.Tests.Infrastructure;

namespace Tessera.Tests.Middleware;

public sealed class SessionAdapterTests
{
    [Fact]
    public async Task Values_written_through_ISession_and_Session_Set_coexist_in_one_document()
    {
        await using var app = await TestApp.StartAsync(null, async context =>
        {
            var session = context.GetSession();
            if (context.Request.Path == "/write")
            {
                context.Session.SetString("name", "Zoë");
                context.Session.SetInt32("count", 42);
                context.Session.Set("blob", [0, 1, 2, 255]);
                session.Set("typed", new { city = "Zürich", zip = 8001 });
                session.Set("number", 7);
                return;
            }

            await context.Response.WriteAsync(string.Join("|",
                session.Get<string>("name"),
                context.Session.GetInt32("count"),
                Convert.ToHexString(context.Session.Get("blob")!),
                context.Session.GetString("typed"),
                context.Session.GetInt32("number")));
        });
        var cookie = SetCookie.Require(await app.GetAsync("/write"));

        var body = await (await app.GetAsync("/read", cookie)).Content.ReadAsStringAsync();
        var stored = (await app.Store.GetAsync(SetCookie.SessionId(cookie)))!.ToJson();

        Assert.Equal("""Zoë|42|000102FF|{"city":"Zürich","zip":8001}|7""", body);
        Assert.Contains("\"name\":\"Zoë\"", stored, StringComparison.Ordinal);
        Assert.Contains("\"count\":{\"$base64\":\"AAAAKg==\"}", stored, StringComparison.Ordinal);
        Assert.Contains("\"typed\":{\"city\":\"Zürich\",\"zip\":8001}", stored, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[] { 0x68, 0x69 }, "\"hi\"")]
    [InlineData(new byte[] { 0x7B, 0x22, 0x61, 0x22, 0x3A, 0x31, 0x7D }, "\"{\\\"a\\\":1}\"")]
    [InlineData(new byte[] { 0, 0, 0, 5 }, "{\"$base64\":\"AAAABQ==\"}")]
    [InlineData(new byte[] { 0xC3, 0x28 }, "{\"$base64\":\"wyg=\"}")]
    [InlineData(new byte[0], "\"\"")]
    public void Bytes_are_stored_as_text_when_they_are_text_and_as_base64_otherwise(byte[] bytes, string json)
    {
        var stored = SessionAdapter.FromBytes(bytes);

        Assert.Equal(json, Encoding.UTF8.GetString(stored));
        Assert.Equal(bytes, SessionAdapter.ToBytes(stored));
    }

    [Fact]
    public async Task HttpContext_Session_is_unavailable_once_the_session_is_destroyed()
    {
        await using var app = await TestApp.StartAsync(null, async context =>
        {
            var before = context.Session.IsAvailable;
            await context.GetSession().DestroyAsync();
            await context.Response.WriteAsync($"{before} {context.Session.IsAvailable}");
        });

        Assert.Equal("True False", await (await app.GetAsync()).Content.ReadAsStringAsync());
    }
}
