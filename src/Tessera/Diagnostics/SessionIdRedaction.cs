using System.Security.Cryptography;
using System.Text;

namespace Tessera.Diagnostics;

/// <summary>
/// Takes session IDs and store keys out of text that is logged or thrown: a session ID is a
/// bearer credential. Each one is replaced by <c>[session:xxxxxxxx]</c>, the first 8 hex
/// characters of the SHA-256 of what it replaces, so that lines about one session can still be
/// matched. Replaced are the keys and IDs the caller names, and any token shaped like one: 32
/// characters of <c>[A-Za-z0-9_-]</c> (the default generator's IDs) or 64 hex characters (keys
/// hashed with <c>HashIdsInStore</c>), so that a store's message naming other sessions' keys
/// (Redis's timeouts list the commands in flight) gives none away either. Used only on failure
/// paths; nothing here runs on a request that succeeds.
/// </summary>
/// <remarks>This file is compiled into each store assembly too, as an internal type of each.</remarks>
internal static class SessionIdRedaction
{
    /// <summary>The length of the default generator's IDs.</summary>
    private const int IdLength = 32;

    /// <summary>The length of a key hashed with <c>HashIdsInStore</c> (SHA-256, hex).</summary>
    private const int HashedKeyLength = 64;

    /// <summary>The placeholder for <paramref name="secret"/>: <c>[session:</c> + 8 hex characters of its SHA-256 + <c>]</c>.</summary>
    public static string Tag(string secret)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(secret), hash);
        return "[session:" + Convert.ToHexStringLower(hash[..4]) + "]";
    }

    /// <summary>
    /// <paramref name="text"/> with every occurrence of <paramref name="key"/> and
    /// <paramref name="id"/>, and every token shaped like an ID or a hashed key, replaced by its tag.
    /// </summary>
    public static string Redact(string text, string? key = null, string? id = null)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }

        // The longer first, so that one that contains the other is replaced whole.
        var (first, second) = (key?.Length ?? 0) >= (id?.Length ?? 0) ? (key, id) : (id, key);
        if (!string.IsNullOrEmpty(first))
        {
            text = text.Replace(first, Tag(first), StringComparison.Ordinal);
        }

        if (!string.IsNullOrEmpty(second) && second != first)
        {
            text = text.Replace(second, Tag(second), StringComparison.Ordinal);
        }

        return RedactShapes(text);
    }

    /// <summary>
    /// A copy of <paramref name="exception"/> that can be logged and thrown: its type's name, its
    /// message and its stack trace with <see cref="Redact"/> applied, its inner exceptions copied
    /// alike. Nothing else of the original (its <see cref="Exception.Data"/>, its properties) is kept.
    /// </summary>
    public static RedactedException Copy(Exception exception, string? key = null, string? id = null)
    {
        var inner = exception is AggregateException aggregate
            ? aggregate.InnerExceptions
            : exception.InnerException is { } one ? [one] : [];
        var copies = new RedactedException[inner.Count];
        for (var i = 0; i < copies.Length; i++)
        {
            copies[i] = Copy(inner[i], key, id);
        }

        return new RedactedException(
            exception.GetType().FullName ?? exception.GetType().Name,
            Redact(exception.Message, key, id),
            exception.StackTrace is { } stackTrace ? Redact(stackTrace, key, id) : null,
            copies);
    }

    private static bool IsIdCharacter(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_';

    private static string RedactShapes(string text)
    {
        StringBuilder? builder = null;
        var copied = 0;
        var i = 0;
        while (i < text.Length)
        {
            if (!IsIdCharacter(text[i]))
            {
                i++;
                continue;
            }

            var start = i;
            var hex = true;
            while (i < text.Length && IsIdCharacter(text[i]))
            {
                hex &= char.IsAsciiHexDigit(text[i]);
                i++;
            }

            var length = i - start;
            if (length == IdLength || (length == HashedKeyLength && hex))
            {
                builder ??= new StringBuilder(text.Length);
                builder.Append(text, copied, start - copied).Append(Tag(text.Substring(start, length)));
                copied = i;
            }
        }

        return builder is null ? text : builder.Append(text, copied, text.Length - copied).ToString();
    }
}
