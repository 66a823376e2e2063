using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Tessera.Serialization;

internal static class TesseraJson
{
    public static JsonSerializerOptions CreateDefaultOptions() => new(JsonSerializerDefaults.Web)
    {
        Encoder = JsonStringifyEncoder.Instance,
        Converters = { new JavaScriptStringConverter(), new JavaScriptDateTimeConverter(), new JavaScriptDateTimeOffsetConverter() },
    };

    /// <summary>
    /// The options the sessions use: a read-only copy of the application's, so the instance it
    /// passed stays its own to change or reuse. Without a resolver of its own the copy resolves
    /// types by reflection where reflection-based serialization is enabled (it is not in trimmed
    /// and native AOT applications: there, types come from a JsonSerializerContext).
    /// </summary>
    public static JsonSerializerOptions ForSessions(JsonSerializerOptions options)
    {
        var copy = new JsonSerializerOptions(options);
        copy.TypeInfoResolver ??= JsonSerializer.IsReflectionEnabledByDefault ? ReflectionResolver() : JsonTypeInfoResolver.Combine();
        copy.MakeReadOnly();
        return copy;
    }

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Reached only when reflection-based serialization is enabled; the trimmer removes it otherwise (JsonSerializer.IsReflectionEnabledByDefault is a feature switch).")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Reached only when reflection-based serialization is enabled, which native AOT applications turn off.")]
    private static DefaultJsonTypeInfoResolver ReflectionResolver() => new();

    private sealed class JavaScriptDateTimeConverter : JsonConverter<DateTime>
    {
        public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            DateTime.Parse(reader.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

        public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options)
        {
            var utc = value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : value;
            writer.WriteStringValue(utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        }
    }

    private sealed class JavaScriptDateTimeOffsetConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            DateTimeOffset.Parse(reader.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(SessionDocument.FormatDate(value));
    }
}
