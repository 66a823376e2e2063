using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Tessera.Middleware;

/// <summary>
/// Microsoft's <see cref="ISession"/> over the request's Tessera session, so code written for
/// Microsoft.AspNetCore.Session (<c>HttpContext.Session.SetString</c>, <c>GetInt32</c>, TempData)
/// reads and writes the same document as <see cref="Session.Get{T}(string)"/> and <see cref="Session.Set{T}(string, T)"/>.
/// </summary>
/// <remarks>
/// Bytes are stored as JSON that Node.js can read: valid UTF-8 text (what <c>SetString</c> and
/// TempData write) becomes a JSON string; other bytes (what <c>SetInt32</c> writes) become
/// <c>{"$base64":"…"}</c>, which <see cref="Session.Get{T}(string)"/> reads as <c>byte[]</c>, or as an
/// <see cref="int"/> when it is 4 bytes (<c>GetInt32</c>'s big-endian form). Reading gives bytes back
/// the same way, and reads JSON values written by <see cref="Session.Set{T}(string, T)"/> too: a string as its
/// UTF-8 bytes, a 32-bit integer as <c>GetInt32</c> expects (big-endian), anything else as its JSON text.
/// </remarks>
internal sealed class SessionAdapter(TesseraFeature feature) : ISession
{
    private const string Base64Property = "$base64";
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private Session? Current => feature.Session;

    private Session Required => feature.Session
        ?? throw new InvalidOperationException(feature.Disabled
            ? "The session is not available: this endpoint opted out of sessions ([DisableSession] or .DisableSession()), or it is a static asset or static file."
            : "The session is not available: it was destroyed or detached, or the session store could not be reached.");

    public bool IsAvailable => Current is not null;

    public string Id => Current?.Id ?? string.Empty;

    public IEnumerable<string> Keys => Current?.Keys ?? [];

    /// <summary>The session is loaded before the application runs: nothing to wait for, but a cancelled token is honoured.</summary>
    public Task LoadAsync(CancellationToken cancellationToken = default) =>
        cancellationToken.IsCancellationRequested ? Task.FromCanceled(cancellationToken) : Task.CompletedTask;

    /// <summary>Saves now, bounded by the token and the store timeout; if it fails or is cancelled, the end of the request saves.</summary>
    public Task CommitAsync(CancellationToken cancellationToken = default) =>
        Current is { } session ? session.SaveAsync(cancellationToken) : Task.CompletedTask;

    public bool TryGetValue(string key, [NotNullWhen(true)] out byte[]? value)
    {
        value = null;
        if (Current is not { } session || !session.Data.Values.TryGetValue(key, out var json))
        {
            return false;
        }

        value = ToBytes(json);
        return true;
    }

    public void Set(string key, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(value);
        Required.SetRaw(key, FromBytes(value));
    }

    public void Remove(string key) => Required.Remove(key);

    public void Clear() => Required.Clear();

    internal static byte[] ToBytes(byte[] json)
    {
        var reader = new Utf8JsonReader(json);
        reader.Read();
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return Encoding.UTF8.GetBytes(reader.GetString()!);
            case JsonTokenType.Number when reader.TryGetInt32(out var number):
                var bytes = new byte[4];
                BinaryPrimitives.WriteInt32BigEndian(bytes, number);
                return bytes;
            case JsonTokenType.StartObject:
                return TryReadBase64(json, out var decoded) ? decoded : (byte[])json.Clone();
            default:
                return (byte[])json.Clone();
        }
    }

    /// <summary>Whether a stored value is raw bytes written through <see cref="ISession"/> (<c>{"$base64":"…"}</c>), and those bytes.</summary>
    internal static bool TryReadBase64(byte[] json, [NotNullWhen(true)] out byte[]? bytes)
    {
        bytes = null;
        if (json.Length == 0 || json[0] != (byte)'{')
        {
            return false;
        }

        var reader = new Utf8JsonReader(json);
        if (reader.Read() && reader.TokenType == JsonTokenType.StartObject
            && reader.Read() && reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals(Base64Property)
            && reader.Read() && reader.TokenType == JsonTokenType.String && reader.TryGetBytesFromBase64(out var decoded)
            && reader.Read() && reader.TokenType == JsonTokenType.EndObject)
        {
            bytes = decoded;
            return true;
        }

        return false;
    }

    internal static byte[] FromBytes(byte[] value)
    {
        using var buffer = new MemoryStream(value.Length + 16);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = Serialization.JsonStringifyEncoder.Instance }))
        {
            if (TryDecodeText(value, out var text))
            {
                writer.WriteStringValue(text);
            }
            else
            {
                writer.WriteStartObject();
                writer.WriteBase64String(Base64Property, value);
                writer.WriteEndObject();
            }
        }

        return buffer.ToArray();
    }

    private static bool TryDecodeText(byte[] value, [NotNullWhen(true)] out string? text)
    {
        text = null;
        foreach (var b in value)
        {
            if (b < 0x20 && b is not (byte)'\t' and not (byte)'\n' and not (byte)'\r')
            {
                return false;
            }
        }

        try
        {
            text = StrictUtf8.GetString(value);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }
}
