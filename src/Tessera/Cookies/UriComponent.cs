using System.Buffers;
using System.Text;

namespace Tessera.Cookies;

/// <summary>JavaScript's <c>encodeURIComponent</c> and <c>decodeURIComponent</c>.</summary>
internal static class UriComponent
{
    private const string Hex = "0123456789ABCDEF";

    /// <summary>Percent-encodes UTF-8 bytes of everything but <c>A-Z a-z 0-9 - _ . ! ~ * ' ( )</c>.</summary>
    public static string Encode(string value)
    {
        var i = 0;
        while (i < value.Length && IsUnreserved(value[i]))
        {
            i++;
        }

        if (i == value.Length)
        {
            return value;
        }

        var builder = new StringBuilder(value.Length + 16);
        builder.Append(value, 0, i);
        Span<byte> utf8 = stackalloc byte[4];
        for (; i < value.Length; i++)
        {
            var c = value[i];
            if (IsUnreserved(c))
            {
                builder.Append(c);
                continue;
            }

            int length;
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                length = Encoding.UTF8.GetBytes(value.AsSpan(i, 2), utf8);
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                throw new FormatException("The value has a lone surrogate and cannot be URI-encoded.");
            }
            else
            {
                length = Encoding.UTF8.GetBytes(value.AsSpan(i, 1), utf8);
            }

            foreach (var b in utf8[..length])
            {
                builder.Append('%').Append(Hex[b >> 4]).Append(Hex[b & 0xF]);
            }
        }

        return builder.ToString();
    }

    /// <summary>
    /// Decodes percent-escapes as UTF-8. Returns <see langword="false"/> where JavaScript would
    /// throw (a bad escape or invalid UTF-8).
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<char> value, out string decoded)
    {
        var rented = ArrayPool<byte>.Shared.Rent(value.Length * 3);
        try
        {
            if (TryDecodeToUtf8(value, rented, out var length))
            {
                try
                {
                    decoded = StrictUtf8.GetString(rented, 0, length);
                    return true;
                }
                catch (DecoderFallbackException)
                {
                }
            }

            decoded = string.Empty;
            return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// <see cref="TryDecode(ReadOnlySpan{char}, out string)"/> into <paramref name="destination"/>,
    /// which must be at least as long as <paramref name="value"/> (decoding never lengthens a value).
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<char> value, Span<char> destination, out int written)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, value.Length, nameof(destination));
        written = 0;
        byte[]? rented = null;
        var utf8 = value.Length <= 128 ? stackalloc byte[3 * 128] : (rented = ArrayPool<byte>.Shared.Rent(value.Length * 3));
        try
        {
            if (!TryDecodeToUtf8(value, utf8, out var length))
            {
                return false;
            }

            written = StrictUtf8.GetChars(utf8[..length], destination);
            return true;
        }
        catch (DecoderFallbackException)
        {
            written = 0;
            return false;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>The bytes a value's escapes stand for (other characters as UTF-8); false on a bad escape.</summary>
    private static bool TryDecodeToUtf8(ReadOnlySpan<char> value, Span<byte> utf8, out int length)
    {
        length = 0;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '%')
            {
                if (i + 2 >= value.Length || !TryHex(value[i + 1], out var hi) || !TryHex(value[i + 2], out var lo))
                {
                    return false;
                }

                utf8[length++] = (byte)((hi << 4) | lo);
                i += 2;
            }
            else if (char.IsAscii(c))
            {
                utf8[length++] = (byte)c;
            }
            else
            {
                length += Encoding.UTF8.GetBytes(value.Slice(i, char.IsHighSurrogate(c) && i + 1 < value.Length ? 2 : 1), utf8[length..]);
                if (char.IsHighSurrogate(c) && i + 1 < value.Length)
                {
                    i++;
                }
            }
        }

        return true;
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Whether <see cref="Encode"/> leaves the value as it is.</summary>
    public static bool IsUnreserved(string value)
    {
        foreach (var c in value)
        {
            if (!IsUnreserved(c))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsUnreserved(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '!' or '~' or '*' or '\'' or '(' or ')';

    private static bool TryHex(char c, out int value)
    {
        value = c switch
        {
            >= '0' and <= '9' => c - '0',
            >= 'a' and <= 'f' => c - 'a' + 10,
            >= 'A' and <= 'F' => c - 'A' + 10,
            _ => -1,
        };
        return value >= 0;
    }
}
