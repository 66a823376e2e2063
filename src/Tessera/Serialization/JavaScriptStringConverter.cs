using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tessera.Serialization;

/// <summary>
/// Strings as JavaScript has them: any sequence of UTF-16 code units, a lone surrogate included.
/// System.Text.Json writes valid UTF-16 only (it drops or replaces a lone surrogate) and refuses
/// to read <c>\ud800</c> without its pair; <c>JSON.stringify</c> writes a lone surrogate as a
/// lowercase <c>\uXXXX</c> escape and <c>JSON.parse</c> reads it back. This converter does the
/// same, so such a string round-trips exactly and reads as Node.js wrote it. Strings without a
/// lone surrogate take System.Text.Json's own path.
/// </summary>
internal sealed class JavaScriptStringConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException($"Expected a JSON string, not {reader.TokenType}.");
        }

        try
        {
            return reader.GetString();
        }
        catch (InvalidOperationException) when (reader.ValueIsEscaped)
        {
            // An escaped surrogate without its pair: unescape as JSON.parse does.
            var raw = reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan.ToArray();
            return Unescape(raw);
        }
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
    {
        if (!HasLoneSurrogate(value))
        {
            writer.WriteStringValue(value);
            return;
        }

        writer.WriteRawValue(Stringify(value), skipInputValidation: true);
    }

    /// <summary>Whether the text has a high surrogate not followed by a low one, or a low one not preceded by a high one.</summary>
    internal static bool HasLoneSurrogate(ReadOnlySpan<char> text)
    {
        var i = text.IndexOfAnyInRange('\uD800', '\uDFFF');
        if (i < 0)
        {
            return false;
        }

        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// <c>JSON.stringify</c> of a string: quotes, backslashes and control characters escaped as
    /// <see cref="JsonStringifyEncoder"/> escapes them, a lone surrogate as <c>\uXXXX</c> (lowercase).
    /// </summary>
    internal static string Stringify(ReadOnlySpan<char> text)
    {
        var builder = new StringBuilder(text.Length + 8);
        builder.Append('"');
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '"':
                    builder.Append("\\\"");
                    break;
                case '\\':
                    builder.Append("\\\\");
                    break;
                case '\b':
                    builder.Append("\\b");
                    break;
                case '\f':
                    builder.Append("\\f");
                    break;
                case '\n':
                    builder.Append("\\n");
                    break;
                case '\r':
                    builder.Append("\\r");
                    break;
                case '\t':
                    builder.Append("\\t");
                    break;
                case < ' ':
                    builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
                    break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                    {
                        builder.Append(c).Append(text[++i]);
                    }
                    else if (char.IsSurrogate(c))
                    {
                        builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
                    }
                    else
                    {
                        builder.Append(c);
                    }

                    break;
            }
        }

        return builder.Append('"').ToString();
    }

    /// <summary>The text of a JSON string's raw (escaped) UTF-8 content, lone surrogates kept.</summary>
    private static string Unescape(ReadOnlySpan<byte> raw)
    {
        var builder = new StringBuilder(raw.Length);
        while (!raw.IsEmpty)
        {
            var backslash = raw.IndexOf((byte)'\\');
            var run = backslash < 0 ? raw : raw[..backslash];
            builder.Append(Encoding.UTF8.GetString(run));
            if (backslash < 0)
            {
                break;
            }

            var escape = raw[backslash + 1];
            var length = 2;
            switch (escape)
            {
                case (byte)'b':
                    builder.Append('\b');
                    break;
                case (byte)'f':
                    builder.Append('\f');
                    break;
                case (byte)'n':
                    builder.Append('\n');
                    break;
                case (byte)'r':
                    builder.Append('\r');
                    break;
                case (byte)'t':
                    builder.Append('\t');
                    break;
                case (byte)'u':
                    builder.Append((char)int.Parse(Encoding.ASCII.GetString(raw.Slice(backslash + 2, 4)), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
                    length = 6;
                    break;
                default:
                    builder.Append((char)escape); // '"', '\\' and '/'; the reader has validated the escapes
                    break;
            }

            raw = raw[(backslash + length)..];
        }

        return builder.ToString();
    }
}
