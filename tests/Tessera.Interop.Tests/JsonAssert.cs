using System.Text.Json.Nodes;

namespace Tessera.Interop.Tests;

internal static class JsonAssert
{
    /// <summary>Asserts that two JSON values are equal (objects by their properties, numbers by value).</summary>
    public static void Equal(string expected, JsonNode? actual) => Equal(JsonNode.Parse(expected), actual);

    public static void Equal(JsonNode? expected, JsonNode? actual)
    {
        if (!JsonNode.DeepEquals(expected, actual))
        {
            Assert.Fail($"JSON differs.\nExpected: {expected?.ToJsonString() ?? "null"}\nActual:   {actual?.ToJsonString() ?? "null"}");
        }
    }
}
