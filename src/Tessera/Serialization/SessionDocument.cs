using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Tessera.Serialization;

/// <summary>
/// Reads and writes express-session's stored document: a JSON object whose <c>cookie</c>
/// property is the cookie (written in express-session's key order) and whose other properties
/// are the values, kept as raw JSON.
/// </summary>
internal static class SessionDocument
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 256 };

    public static SessionData Read(ReadOnlySpan<byte> utf8Json, TimeProvider time) => Read(utf8Json, time, cookie: null, cookieIndex: 0);

    /// <summary>
    /// Reads a document, or, with <paramref name="cookie"/>, the values of a document whose
    /// cookie is kept apart (as <see cref="WriteValues"/> wrote them), the cookie standing at
    /// <paramref name="cookieIndex"/> among them.
    /// </summary>
    public static SessionData Read(ReadOnlySpan<byte> utf8Json, TimeProvider time, SessionCookie? cookie, int cookieIndex)
    {
        try
        {
            return ReadCore(utf8Json, time, cookie, cookieIndex);
        }
        catch (JsonException ex)
        {
            throw new FormatException("The session document is not valid JSON: " + ex.Message, ex);
        }
        catch (InvalidOperationException ex)
        {
            throw new FormatException("The session document is not valid JSON: " + ex.Message, ex);
        }
    }

    private static SessionData ReadCore(ReadOnlySpan<byte> utf8Json, TimeProvider time, SessionCookie? cookie, int cookieIndex)
    {
        var reader = new Utf8JsonReader(utf8Json, ReaderOptions);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new FormatException("The session document is not a JSON object.");
        }

        var values = new OrderedDictionary<string, byte[]>(StringComparer.Ordinal);
        SessionMetadata? metadata = null;
        var cookieRead = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.ValueTextEquals("cookie"u8) ? SessionKeys.Cookie : reader.GetString()!;
            reader.Read();
            if (name == SessionKeys.Cookie)
            {
                if (!cookieRead)
                {
                    cookieIndex = values.Count;
                    cookieRead = true;
                }

                cookie = ReadCookie(ref reader, time);
                continue;
            }

            if (name == SessionMetadata.Key && reader.TokenType == JsonTokenType.StartObject)
            {
                metadata = ReadMetadata(ref reader);
                continue;
            }

            var start = (int)reader.TokenStartIndex;
            reader.Skip();
            var end = (int)reader.BytesConsumed;
            values[name] = utf8Json[start..end].ToArray();
        }

        if (reader.TokenType != JsonTokenType.EndObject)
        {
            throw new FormatException("The session document is not a complete JSON object.");
        }

        if (cookie is null)
        {
            throw new FormatException("The session document has no 'cookie' object.");
        }

        return new SessionData(cookie, values, cookieIndex, metadata is { IsEmpty: false } ? metadata : null);
    }

    private static SessionMetadata ReadMetadata(ref Utf8JsonReader reader)
    {
        var metadata = new SessionMetadata();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            reader.Read();
            var text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            switch (name)
            {
                case "created" when TryParseDate(text, out var created):
                    metadata.Created = created;
                    break;
                case "renewedTo" when !string.IsNullOrEmpty(text):
                    metadata.RenewedTo = text;
                    break;
                case "followUntil" when TryParseDate(text, out var followUntil):
                    metadata.FollowUntil = followUntil;
                    break;
                case "renewedUser" when text is not null:
                    metadata.RenewedUser = text;
                    break;
                case "userId" when text is not null:
                    metadata.UserId = text;
                    break;
                case "userAgent" when text is not null:
                    metadata.UserAgent = text;
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        return metadata;
    }

    private static void WriteMetadata(SessionMetadata metadata, IBufferWriter<byte> output)
    {
        WriteAscii(output, "\"" + SessionMetadata.Key + "\":{");
        var first = true;
        void Separator(IBufferWriter<byte> output)
        {
            if (!first)
            {
                WriteByte(output, (byte)',');
            }

            first = false;
        }

        if (metadata.Created is { } created)
        {
            Separator(output);
            WriteAscii(output, "\"created\":\"" + FormatDate(created) + "\"");
        }

        if (metadata.RenewedTo is { } renewedTo)
        {
            Separator(output);
            WriteAscii(output, "\"renewedTo\":");
            WriteString(output, renewedTo);
        }

        if (metadata.FollowUntil is { } followUntil)
        {
            Separator(output);
            WriteAscii(output, "\"followUntil\":\"" + FormatDate(followUntil) + "\"");
        }

        if (metadata.RenewedUser is { } renewedUser)
        {
            Separator(output);
            WriteAscii(output, "\"renewedUser\":");
            WriteString(output, renewedUser);
        }

        if (metadata.UserId is { } userId)
        {
            Separator(output);
            WriteAscii(output, "\"userId\":");
            WriteString(output, userId);
        }

        if (metadata.UserAgent is { } userAgent)
        {
            Separator(output);
            WriteAscii(output, "\"userAgent\":");
            WriteString(output, userAgent);
        }

        WriteByte(output, (byte)'}');
    }

    private static SessionCookie ReadCookie(ref Utf8JsonReader reader, TimeProvider time)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new FormatException("The session document's 'cookie' is not an object.");
        }

        var cookie = new SessionCookie(time);
        double? originalMaxAge = null;
        var hasOriginalMaxAge = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = CookiePropertyName(ref reader);
            reader.Read();
            switch (name)
            {
                case "originalMaxAge":
                    hasOriginalMaxAge = true;
                    originalMaxAge = reader.TokenType == JsonTokenType.Number ? reader.GetDouble() : null;
                    break;
                case "expires":
                    cookie.RawExpires = reader.TokenType == JsonTokenType.String && TryParseDate(reader.GetString(), out var expires) ? expires : null;
                    break;
                case "secure":
                    cookie.RawSecure = ReadFlag(ref reader);
                    break;
                case "httpOnly":
                    cookie.RawHttpOnly = ReadFlag(ref reader);
                    break;
                case "partitioned":
                    cookie.RawPartitioned = ReadFlag(ref reader);
                    break;
                case "domain":
                    cookie.RawDomain = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                    break;
                case "path":
                    cookie.RawPath = reader.TokenType != JsonTokenType.String ? null : reader.ValueTextEquals("/"u8) ? "/" : reader.GetString();
                    break;
                case "priority":
                    cookie.RawPriority = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                    break;
                case "sameSite":
                    cookie.RawSameSite = reader.TokenType switch
                    {
                        JsonTokenType.String => reader.GetString(),
                        JsonTokenType.True => "true",
                        _ => null,
                    };
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        // express-session restores originalMaxAge verbatim; without one it is the time left.
        cookie.OriginalMaxAgeMilliseconds = hasOriginalMaxAge
            ? originalMaxAge
            : cookie.MaxAge?.TotalMilliseconds;
        return cookie;
    }

    /// <summary>The name of a cookie property this reader knows, without making a string; null for others.</summary>
    private static string? CookiePropertyName(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("originalMaxAge"u8) ? "originalMaxAge"
        : reader.ValueTextEquals("expires"u8) ? "expires"
        : reader.ValueTextEquals("httpOnly"u8) ? "httpOnly"
        : reader.ValueTextEquals("path"u8) ? "path"
        : reader.ValueTextEquals("secure"u8) ? "secure"
        : reader.ValueTextEquals("partitioned"u8) ? "partitioned"
        : reader.ValueTextEquals("domain"u8) ? "domain"
        : reader.ValueTextEquals("priority"u8) ? "priority"
        : reader.ValueTextEquals("sameSite"u8) ? "sameSite"
        : null;

    private static bool? ReadFlag(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.True => true,
        JsonTokenType.False => false,
        JsonTokenType.String => reader.ValueSpan.Length > 0,
        JsonTokenType.Number => reader.GetDouble() != 0,
        JsonTokenType.StartObject or JsonTokenType.StartArray => SkipTruthy(ref reader),
        _ => null,
    };

    private static bool SkipTruthy(ref Utf8JsonReader reader)
    {
        reader.Skip();
        return true;
    }

    internal static bool TryParseDate(string? text, out DateTimeOffset value) =>
        TryParseJavaScriptDate(text, out value)
        || DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);

    /// <summary>
    /// The common case, a date as JavaScript's <c>toISOString</c> writes it (<c>2026-11-29T12:01:00.000Z</c>),
    /// read without the general parser; anything else is left to it.
    /// </summary>
    private static bool TryParseJavaScriptDate(string? text, out DateTimeOffset value)
    {
        value = default;
        if (text is not { Length: 24 } || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':'
            || text[16] != ':' || text[19] != '.' || text[23] != 'Z')
        {
            return false;
        }

        if (!TryDigits(text, 0, 4, out var year) || !TryDigits(text, 5, 2, out var month) || !TryDigits(text, 8, 2, out var day)
            || !TryDigits(text, 11, 2, out var hour) || !TryDigits(text, 14, 2, out var minute)
            || !TryDigits(text, 17, 2, out var second) || !TryDigits(text, 20, 3, out var millisecond)
            || year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)
            || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        value = new DateTimeOffset(year, month, day, hour, minute, second, millisecond, TimeSpan.Zero);
        return true;
    }

    private static bool TryDigits(string text, int start, int count, out int number)
    {
        number = 0;
        for (var i = start; i < start + count; i++)
        {
            if (!char.IsAsciiDigit(text[i]))
            {
                return false;
            }

            number = (number * 10) + (text[i] - '0');
        }

        return true;
    }

    public static void ThrowIfNotSingleValue(ReadOnlySpan<byte> utf8Json)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8Json, ReaderOptions);
            if (reader.Read())
            {
                reader.Skip();
                if (!reader.Read())
                {
                    return;
                }
            }
        }
        catch (JsonException)
        {
        }

        throw new ArgumentException("The text is not exactly one valid JSON value.", nameof(utf8Json));
    }

    public static byte[] Write(SessionData data)
    {
        var buffer = WriteBuffer();
        Write(data, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    // Documents are written into a buffer of this thread's, then copied out at their size.
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    /// <summary>This thread's empty write buffer (a new one if the last grew large).</summary>
    internal static ArrayBufferWriter<byte> WriteBuffer()
    {
        var buffer = t_buffer;
        if (buffer is null || buffer.Capacity > 64 * 1024)
        {
            t_buffer = buffer = new ArrayBufferWriter<byte>(1024);
        }

        buffer.ResetWrittenCount();
        return buffer;
    }

    /// <summary>The document without its cookie: the values and metadata, for a store that keeps the cookie apart.</summary>
    public static byte[] WriteValues(SessionData data)
    {
        var buffer = WriteBuffer();
        Write(data, buffer, withCookie: false);
        return buffer.WrittenSpan.ToArray();
    }

    public static void Write(SessionData data, IBufferWriter<byte> output) => Write(data, output, withCookie: true);

    private static void Write(SessionData data, IBufferWriter<byte> output, bool withCookie)
    {
        var values = data.Values;
        var cookieIndex = withCookie ? Math.Clamp(data.CookieIndex, 0, values.Count) : -1;
        WriteByte(output, (byte)'{');
        var first = true;
        for (var i = 0; i <= values.Count; i++)
        {
            if (i == cookieIndex)
            {
                if (!first)
                {
                    WriteByte(output, (byte)',');
                }

                WriteCookie(data.Cookie, output);
                first = false;
            }

            if (i == values.Count)
            {
                break;
            }

            var (key, raw) = values.GetAt(i);
            if (!first)
            {
                WriteByte(output, (byte)',');
            }

            WriteString(output, key);
            WriteByte(output, (byte)':');
            output.Write(raw);
            first = false;
        }

        if (data.Metadata is { IsEmpty: false } metadata)
        {
            if (!first)
            {
                WriteByte(output, (byte)',');
            }

            WriteMetadata(metadata, output);
        }

        WriteByte(output, (byte)'}');
    }

    /// <summary>Writes the <c>"cookie":{…}</c> property of a document.</summary>
    public static void WriteCookie(SessionCookie cookie, IBufferWriter<byte> output)
    {
        WriteAscii(output, "\"cookie\":{\"originalMaxAge\":");
        if (cookie.OriginalMaxAgeMilliseconds is { } ms)
        {
            WriteNumber(output, ms);
        }
        else
        {
            WriteAscii(output, "null");
        }

        if (cookie.RawPartitioned is { } partitioned)
        {
            WriteAscii(output, partitioned ? ",\"partitioned\":true" : ",\"partitioned\":false");
        }

        if (cookie.RawPriority is { } priority)
        {
            WriteAscii(output, ",\"priority\":");
            WriteString(output, priority);
        }

        WriteAscii(output, ",\"expires\":");
        if (cookie.RawExpires is { } expires)
        {
            WriteByte(output, (byte)'"');
            WriteDate(output, expires);
            WriteByte(output, (byte)'"');
        }
        else
        {
            WriteAscii(output, "null");
        }

        if (cookie.RawSecure is { } secure)
        {
            WriteAscii(output, secure ? ",\"secure\":true" : ",\"secure\":false");
        }

        if (cookie.RawHttpOnly is { } httpOnly)
        {
            WriteAscii(output, httpOnly ? ",\"httpOnly\":true" : ",\"httpOnly\":false");
        }

        if (cookie.RawDomain is { } domain)
        {
            WriteAscii(output, ",\"domain\":");
            WriteString(output, domain);
        }

        if (cookie.RawPath is { } path)
        {
            WriteAscii(output, ",\"path\":");
            WriteString(output, path);
        }

        if (cookie.RawSameSite is { } sameSite)
        {
            WriteAscii(output, ",\"sameSite\":");
            if (sameSite == "true")
            {
                WriteAscii(output, "true");
            }
            else
            {
                WriteString(output, sameSite);
            }
        }

        WriteByte(output, (byte)'}');
    }

    /// <summary>Formats a date as JavaScript's <c>Date.prototype.toISOString</c> does.</summary>
    public static string FormatDate(DateTimeOffset value) =>
        string.Create(IsoDateLength, value.UtcDateTime, static (chars, utc) =>
        {
            Span<byte> bytes = stackalloc byte[IsoDateLength];
            FormatIsoDate(utc, bytes);
            for (var i = 0; i < bytes.Length; i++)
            {
                chars[i] = (char)bytes[i];
            }
        });

    /// <summary>Formats a number as JavaScript's <c>Number.prototype.toString</c> does for the values a cookie holds.</summary>
    public static string FormatNumber(double value)
    {
        if (Math.Abs(value) < 1e21 && value == Math.Floor(value))
        {
            return ((long)value).ToString(CultureInfo.InvariantCulture);
        }

        return value.ToString("R", CultureInfo.InvariantCulture);
    }

    /// <summary>Writes <see cref="FormatDate"/>'s text as UTF-8, without making a string.</summary>
    private static void WriteDate(IBufferWriter<byte> output, DateTimeOffset value)
    {
        FormatIsoDate(value.UtcDateTime, output.GetSpan(IsoDateLength));
        output.Advance(IsoDateLength);
    }

    private const int IsoDateLength = 24;

    /// <summary>
    /// <c>yyyy-MM-ddTHH:mm:ss.fffZ</c> of a UTC time into 24 bytes, digit by digit: the custom
    /// format string this replaces took the runtime's slow formatting path on every write.
    /// </summary>
    private static void FormatIsoDate(DateTime utc, Span<byte> destination)
    {
        var d = destination[..IsoDateLength];
        Digits(d[..4], utc.Year);
        d[4] = (byte)'-';
        Digits(d.Slice(5, 2), utc.Month);
        d[7] = (byte)'-';
        Digits(d.Slice(8, 2), utc.Day);
        d[10] = (byte)'T';
        Digits(d.Slice(11, 2), utc.Hour);
        d[13] = (byte)':';
        Digits(d.Slice(14, 2), utc.Minute);
        d[16] = (byte)':';
        Digits(d.Slice(17, 2), utc.Second);
        d[19] = (byte)'.';
        Digits(d.Slice(20, 3), utc.Millisecond);
        d[23] = (byte)'Z';

        static void Digits(Span<byte> span, int value)
        {
            for (var i = span.Length - 1; i >= 0; i--)
            {
                span[i] = (byte)('0' + (value % 10));
                value /= 10;
            }
        }
    }

    /// <summary>Writes <see cref="FormatNumber"/>'s text as UTF-8, without making a string for whole numbers.</summary>
    private static void WriteNumber(IBufferWriter<byte> output, double value)
    {
        if (Math.Abs(value) < 1e21 && value == Math.Floor(value))
        {
            var span = output.GetSpan(24);
            if (((long)value).TryFormat(span, out var written, provider: CultureInfo.InvariantCulture))
            {
                output.Advance(written);
                return;
            }
        }

        WriteAscii(output, FormatNumber(value));
    }

    /// <summary>Writes a JSON string with the escaping of JavaScript's <c>JSON.stringify</c>.</summary>
    public static void WriteString(IBufferWriter<byte> output, string value)
    {
        WriteByte(output, (byte)'"');
        var plainStart = 0;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            string? escape = c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\b' => "\\b",
                '\f' => "\\f",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                < ' ' => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
                _ when char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]) => null,
                _ when char.IsLowSurrogate(c) && i > 0 && char.IsHighSurrogate(value[i - 1]) => null,
                _ when char.IsSurrogate(c) => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
                _ => null,
            };
            if (escape is null)
            {
                continue;
            }

            WriteUtf8(output, value.AsSpan(plainStart, i - plainStart));
            WriteAscii(output, escape);
            plainStart = i + 1;
        }

        WriteUtf8(output, value.AsSpan(plainStart));
        WriteByte(output, (byte)'"');
    }

    private static void WriteUtf8(IBufferWriter<byte> output, ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return;
        }

        var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        output.Advance(Encoding.UTF8.GetBytes(text, span));
    }

    private static void WriteAscii(IBufferWriter<byte> output, string text)
    {
        var span = output.GetSpan(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            span[i] = (byte)text[i];
        }

        output.Advance(text.Length);
    }

    private static void WriteByte(IBufferWriter<byte> output, byte value)
    {
        output.GetSpan(1)[0] = value;
        output.Advance(1);
    }
}
