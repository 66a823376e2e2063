using System.Text.Encodings.Web;

namespace Tessera.Serialization;

/// <summary>
/// Escapes only what JavaScript's <c>JSON.stringify</c> escapes (quotes, backslashes and control
/// characters), so values written from .NET read, byte for byte, like values written by Node.js.
/// Stored session JSON is never embedded in HTML, so HTML-sensitive characters need no escaping.
/// </summary>
internal sealed class JsonStringifyEncoder : JavaScriptEncoder
{
    public static readonly JsonStringifyEncoder Instance = new();

    private JsonStringifyEncoder()
    {
    }

    public override int MaxOutputCharactersPerInputCharacter => 6; // \uXXXX

    public override bool WillEncode(int unicodeScalar) => unicodeScalar is < 0x20 or '"' or '\\';

    public override unsafe int FindFirstCharacterToEncode(char* text, int textLength)
    {
        var span = new ReadOnlySpan<char>(text, textLength);
        for (var i = 0; i < span.Length; i++)
        {
            if (WillEncode(span[i]))
            {
                return i;
            }
        }

        return -1;
    }

    public override unsafe bool TryEncodeUnicodeScalar(int unicodeScalar, char* buffer, int bufferLength, out int numberOfCharactersWritten)
    {
        var destination = new Span<char>(buffer, bufferLength);
        var escape = unicodeScalar switch
        {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\b' => "\\b",
            '\f' => "\\f",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            < 0x20 => $"\\u{unicodeScalar:x4}",
            _ => null,
        };
        if (escape is null)
        {
            var rune = new System.Text.Rune(unicodeScalar);
            return rune.TryEncodeToUtf16(destination, out numberOfCharactersWritten);
        }

        if (escape.AsSpan().TryCopyTo(destination))
        {
            numberOfCharactersWritten = escape.Length;
            return true;
        }

        numberOfCharactersWritten = 0;
        return false;
    }
}
