using Microsoft.Extensions.Primitives;

namespace Tessera.Cookies;

/// <summary>
/// Reads one cookie from the raw <c>Cookie</c> header the way the <c>cookie</c> npm package
/// does: pairs split on <c>;</c>, names and values trimmed, pairs without <c>=</c> skipped,
/// quotes stripped, values percent-decoded when they contain <c>%</c> (kept raw when that
/// fails), and only the first pair of a name counts.
/// </summary>
internal static class CookieHeaderParser
{
    public static bool TryGetFirst(StringValues headers, string name, out string value)
    {
        foreach (var header in headers)
        {
            if (header is not null && TryGetFirst(header.AsSpan(), name, out value))
            {
                return true;
            }
        }

        value = string.Empty;
        return false;
    }

    public static bool TryGetFirst(ReadOnlySpan<char> header, string name, out string value)
    {
        if (!TryGetFirstRaw(header, name, out var raw))
        {
            value = string.Empty;
            return false;
        }

        value = raw.Contains('%') && UriComponent.TryDecode(raw, out var decoded) ? decoded : raw.ToString();
        return true;
    }

    /// <summary>
    /// The same value without making a string: a slice of the header, or, when it has escapes,
    /// decoded into <paramref name="buffer"/> (into a new string when it does not fit).
    /// </summary>
    public static bool TryGetFirst(StringValues headers, string name, Span<char> buffer, out ReadOnlySpan<char> value)
    {
        if (!TryGetFirstRaw(headers, name, out var raw))
        {
            value = default;
            return false;
        }

        value = Decode(raw, buffer);
        return true;
    }

    /// <summary>The first value of the cookie in the request's headers, trimmed and unquoted but not decoded.</summary>
    public static bool TryGetFirstRaw(StringValues headers, string name, out ReadOnlySpan<char> raw)
    {
        foreach (var header in headers)
        {
            if (header is not null && TryGetFirstRaw(header.AsSpan(), name, out raw))
            {
                return true;
            }
        }

        raw = default;
        return false;
    }

    /// <summary>
    /// A raw value percent-decoded when it has escapes (kept raw when that fails): into
    /// <paramref name="buffer"/>, or into a new string when it does not fit.
    /// </summary>
    public static ReadOnlySpan<char> Decode(ReadOnlySpan<char> raw, Span<char> buffer)
    {
        if (!raw.Contains('%'))
        {
            return raw;
        }

        if (raw.Length <= buffer.Length)
        {
            return UriComponent.TryDecode(raw, buffer, out var written) ? buffer[..written] : raw;
        }

        return UriComponent.TryDecode(raw, out var decoded) ? decoded : raw;
    }

    /// <summary>The first value of the cookie, trimmed and unquoted but not decoded.</summary>
    private static bool TryGetFirstRaw(ReadOnlySpan<char> header, string name, out ReadOnlySpan<char> raw)
    {
        while (!header.IsEmpty)
        {
            var end = header.IndexOf(';');
            var pair = end < 0 ? header : header[..end];
            header = end < 0 ? [] : header[(end + 1)..];

            var eq = pair.IndexOf('=');
            if (eq < 0)
            {
                continue;
            }

            if (!Trim(pair[..eq]).SequenceEqual(name))
            {
                continue;
            }

            raw = Trim(pair[(eq + 1)..]);
            if (raw.Length >= 2 && raw[0] == '"' && raw[^1] == '"')
            {
                raw = raw[1..^1];
            }

            return true;
        }

        raw = default;
        return false;
    }

    private static ReadOnlySpan<char> Trim(ReadOnlySpan<char> text) => text.Trim(" \t");
}
