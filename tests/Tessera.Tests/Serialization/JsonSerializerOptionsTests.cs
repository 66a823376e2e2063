using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Tessera.Tests.Infrastructure;

namespace Tessera.Tests.Serialization;

/// <summary><see cref="TesseraOptions.JsonSerializerOptions"/>: the options given are the ones Get and Set use.</summary>
public sealed class JsonSerializerOptionsTests
{
    public sealed record Person(string FirstName, int Age);

    [JsonConverter(typeof(CelsiusConverter))]
    public readonly record struct Celsius(decimal Degrees);

    /// <summary>Writes a <see cref="Celsius"/> as <c>"21.5C"</c>.</summary>
    public sealed class CelsiusConverter : JsonConverter<Celsius>
    {
        public override Celsius Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            new(decimal.Parse(reader.GetString()!.TrimEnd('C'), System.Globalization.CultureInfo.InvariantCulture));

        public override void Write(Utf8JsonWriter writer, Celsius value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.Degrees.ToString(System.Globalization.CultureInfo.InvariantCulture) + "C");
    }

    /// <summary>Reads and writes a value with a converter registered in the options, not on the type.</summary>
    public sealed class UpperCaseConverter : JsonConverter<string>
    {
        public override string Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetString()!.ToLowerInvariant();

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToUpperInvariant());
    }

    /// <summary>/set stores a person and a temperature; /get answers what Get reads back.</summary>
    private static Task<TestApp> StartAsync(JsonSerializerOptions json) => TestApp.StartAsync(o => o.JsonSerializerOptions = json, async context =>
    {
        var session = context.GetSession();
        if (context.Request.Path == "/set")
        {
            session.Set("person", new Person("Ada", 36));
            session.Set("temperature", new Celsius(21.5m));
            session.Set("word", "hello");
            await context.Response.WriteAsync("ok");
            return;
        }

        var person = session.Get<Person>("person");
        await context.Response.WriteAsync($"{person?.FirstName} {person?.Age} {session.Get<Celsius>("temperature").Degrees} {session.Get<string>("word")}");
    });

    private static async Task<string> StoredAsync(TestApp app, string cookie, string key)
    {
        var data = await app.Store.GetAsync(SetCookie.SessionId(cookie));
        Assert.NotNull(data);
        Assert.True(data.TryGetRawValue(key, out var raw), $"The session has no '{key}'.");
        return Encoding.UTF8.GetString(raw.Span);
    }

    [Fact]
    public async Task Values_are_stored_and_read_with_the_naming_policy_of_the_options_given()
    {
        await using var app = await StartAsync(new JsonSerializerOptions { PropertyNamingPolicy = null });

        var cookie = SetCookie.Require(await app.GetAsync("/set"));

        Assert.Equal("""{"FirstName":"Ada","Age":36}""", await StoredAsync(app, cookie, "person"));
        Assert.Equal("Ada 36 21.5 hello", await (await app.GetAsync("/get", cookie)).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Values_are_stored_and_read_with_a_converter_registered_in_the_options_given()
    {
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        json.Converters.Add(new UpperCaseConverter());
        await using var app = await StartAsync(json);

        var cookie = SetCookie.Require(await app.GetAsync("/set"));

        Assert.Equal("\"HELLO\"", await StoredAsync(app, cookie, "word"));
        Assert.Equal("""{"firstName":"ADA","age":36}""", await StoredAsync(app, cookie, "person"));
        Assert.Equal("\"21.5C\"", await StoredAsync(app, cookie, "temperature"));
        Assert.Equal("ada 36 21.5 hello", await (await app.GetAsync("/get", cookie)).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_callers_options_instance_stays_usable_by_the_caller_and_gives_the_same_json_as_the_session()
    {
        var json = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
        await using var app = await StartAsync(json);

        var cookie = SetCookie.Require(await app.GetAsync("/set"));

        Assert.Equal(JsonSerializer.Serialize(new Person("Ada", 36), json), await StoredAsync(app, cookie, "person"));
        Assert.Equal("""{"first_name":"Ada","age":36}""", await StoredAsync(app, cookie, "person"));
    }

    [Fact]
    public async Task A_shared_read_only_options_instance_is_accepted()
    {
        await using var app = await StartAsync(JsonSerializerOptions.Default);

        var cookie = SetCookie.Require(await app.GetAsync("/set"));

        Assert.Equal("""{"FirstName":"Ada","Age":36}""", await StoredAsync(app, cookie, "person"));
        Assert.Equal("Ada 36 21.5 hello", await (await app.GetAsync("/get", cookie)).Content.ReadAsStringAsync());
    }
}
