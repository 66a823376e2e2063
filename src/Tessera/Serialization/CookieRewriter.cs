using System.Buffers;
using System.Text.Json;

namespace Tessera.Serialization;

/// <summary>
/// Replaces the cookie of a stored document and keeps every other byte: what a touch changes,
/// without reading the values or writing them again.
/// </summary>
internal static class CookieRewriter
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 256 };

    /// <summary>
    /// The document with its <c>cookie</c> property written anew from <paramref name="cookie"/>,
    /// the same bytes <see cref="SessionDocument.Write(SessionData)"/> would give with that cookie.
    /// Null when the document is not an object with exactly one <c>cookie</c> object.
    /// </summary>
    public static byte[]? Replace(ReadOnlySpan<byte> document, SessionCookie cookie)
    {
        if (!TryFindCookie(document, out var start, out var end))
        {
            return null;
        }

        var buffer = SessionDocument.WriteBuffer();
        buffer.Write(document[..start]);
        SessionDocument.WriteCookie(cookie, buffer);
        buffer.Write(document[end..]);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Where the top-level <c>"cookie":{…}</c> property starts and ends.</summary>
    private static bool TryFindCookie(ReadOnlySpan<byte> document, out int start, out int end)
    {
        start = end = -1;
        try
        {
            var reader = new Utf8JsonReader(document, ReaderOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isCookie = reader.ValueTextEquals(SessionKeys.Cookie);
                var nameStart = (int)reader.TokenStartIndex;
                reader.Read();
                if (isCookie)
                {
                    if (start >= 0 || reader.TokenType != JsonTokenType.StartObject)
                    {
                        return false;
                    }

                    start = nameStart;
                    reader.Skip();
                    end = (int)reader.BytesConsumed;
                    continue;
                }

                reader.Skip();
            }

            return start >= 0 && reader.TokenType == JsonTokenType.EndObject;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
