using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Tessera.Cookies;

/// <summary>
/// express-session's cookie signature (cookie-signature): <c>id + "." + base64(HMAC-SHA256(secret, id))</c>
/// without <c>=</c> padding. The first secret signs; every secret is tried when verifying.
/// </summary>
internal sealed class CookieSigner
{
    private const int SignatureLength = 43; // base64 of 32 bytes without padding
    private readonly byte[][] _keys;

    public CookieSigner(IEnumerable<string> secrets)
    {
        _keys = [.. secrets.Select(Encoding.UTF8.GetBytes)];
        if (_keys.Length == 0)
        {
            throw new ArgumentException("At least one secret is required.", nameof(secrets));
        }
    }

    /// <summary>Returns <c>id.signature</c>, signed with the first secret.</summary>
    public string Sign(string value)
    {
        Span<char> signature = stackalloc char[SignatureLength];
        ComputeSignature(_keys[0], value, signature);
        return string.Concat(value, ".", signature);
    }

    /// <summary>
    /// Verifies <c>id.signature</c> against every secret in constant time per secret.
    /// Returns the ID, or <see langword="null"/> when no secret signed it.
    /// </summary>
    public string? Unsign(ReadOnlySpan<char> signed)
    {
        var dot = signed.LastIndexOf('.');
        if (dot < 0 || signed.Length - dot - 1 != SignatureLength)
        {
            return null;
        }

        var value = signed[..dot];
        var given = signed[(dot + 1)..];
        Span<char> expected = stackalloc char[SignatureLength];
        var match = false;
        foreach (var key in _keys)
        {
            ComputeSignature(key, value, expected);
            match |= FixedTimeEquals(expected, given);
        }

        return match ? value.ToString() : null;
    }

    private static void ComputeSignature(byte[] key, ReadOnlySpan<char> value, Span<char> destination)
    {
        var maxBytes = Encoding.UTF8.GetMaxByteCount(value.Length);
        byte[]? rented = null;
        var utf8 = maxBytes <= 256 ? stackalloc byte[256] : (rented = ArrayPool<byte>.Shared.Rent(maxBytes));
        try
        {
            var length = Encoding.UTF8.GetBytes(value, utf8);
            Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
            HMACSHA256.HashData(key, utf8[..length], mac);
            Span<byte> base64 = stackalloc byte[44];
            Base64.EncodeToUtf8(mac, base64, out _, out _);
            for (var i = 0; i < SignatureLength; i++)
            {
                destination[i] = (char)base64[i];
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static bool FixedTimeEquals(ReadOnlySpan<char> expected, ReadOnlySpan<char> given) =>
        CryptographicOperations.FixedTimeEquals(
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(expected),
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(given));
}
