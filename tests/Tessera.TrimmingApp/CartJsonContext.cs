using System.Text.Json.Serialization;

namespace Tessera.TrimmingApp;

/// <summary>Source-generated JSON metadata for the session's values: no reflection after trimming.</summary>
[JsonSerializable(typeof(Cart))]
internal sealed partial class CartJsonContext : JsonSerializerContext;
