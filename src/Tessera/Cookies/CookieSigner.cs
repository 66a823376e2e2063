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
    public const int SignatureLength = 43; // base64 of 32 bytes without padding
    private const string SignedPrefix = "s%3A"; // encodeURIComponent("s:")

    /// <summary>A buffer this long holds the cookie value of an ID of up to 128 characters.</summary>
    public const int MaxValueLength = 4 + 128 + 1 + (3 * SignatureLength);

    // The keyed HMACs of the signer last used on this thread. Setting a key up is most of the
    // cost of a one-shot HMAC of a short ID, so each thread keeps its keys set up and reuses them.
    [ThreadStatic]
    private static KeyedMacs? t_macs;

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
        ComputeSignature(0, value, signature);
        return string.Concat(value, ".", signature);
    }

    /// <summary>The session cookie's value, express-session's <c>encodeURIComponent("s:" + sign(id))</c>.</summary>
    public string SignCookieValue(string id) => SignCookieValue(id, stackalloc char[MaxValueLength]).ToString();

    /// <summary>
    /// The session cookie's value, written into <paramref name="buffer"/> when the ID needs no
    /// escaping (as default IDs do not) and fits; otherwise a new string.
    /// </summary>
    public ReadOnlySpan<char> SignCookieValue(string id, Span<char> buffer)
    {
        Span<char> signature = stackalloc char[SignatureLength];
        ComputeSignature(0, id, signature);
        return EncodeCookieValue(id, signature, buffer);
    }

    /// <summary>
    /// <c>encodeURIComponent("s:" + id + "." + signature)</c>, written into <paramref name="buffer"/>
    /// when the ID needs no escaping (as default IDs do not) and fits; otherwise a new string.
    /// </summary>
    public static ReadOnlySpan<char> EncodeCookieValue(string id, scoped ReadOnlySpan<char> signature, Span<char> buffer)
    {
        if (SignedPrefix.Length + id.Length + 1 + (3 * signature.Length) > buffer.Length || !UriComponent.IsUnreserved(id))
        {
            return UriComponent.Encode(string.Concat("s:", id, ".", signature));
        }

        SignedPrefix.CopyTo(buffer);
        var length = SignedPrefix.Length;
        id.CopyTo(buffer[length..]);
        length += id.Length;
        buffer[length++] = '.';
        foreach (var c in signature)
        {
            // Base64's '+' and '/' are the only characters of a signature that encodeURIComponent escapes.
            switch (c)
            {
                case '+':
                    "%2B".CopyTo(buffer[length..]);
                    length += 3;
                    break;
                case '/':
                    "%2F".CopyTo(buffer[length..]);
                    length += 3;
                    break;
                default:
                    buffer[length++] = c;
                    break;
            }
        }

        return buffer[..length];
    }

    /// <summary>
    /// Verifies <c>id.signature</c> against every secret in constant time per secret.
    /// Returns the ID, or <see langword="null"/> when no secret signed it.
    /// </summary>
    public string? Unsign(ReadOnlySpan<char> signed) => Unsign(signed, out _);

    /// <summary>
    /// <see cref="Unsign(ReadOnlySpan{char})"/>, telling also whether the first secret (the one
    /// that signs) made the signature, so that the value is what this signer would produce.
    /// </summary>
    public string? Unsign(ReadOnlySpan<char> signed, out bool signedByFirst)
    {
        signedByFirst = false;
        var dot = signed.LastIndexOf('.');
        if (dot < 0 || signed.Length - dot - 1 != SignatureLength)
        {
            return null;
        }

        var value = signed[..dot];
        var given = signed[(dot + 1)..];
        Span<char> expected = stackalloc char[SignatureLength];
        var match = false;
        for (var i = 0; i < _keys.Length; i++)
        {
            ComputeSignature(i, value, expected);
            var equal = ConstantTime.TextEquals(expected, given);
            signedByFirst |= i == 0 && equal;
            match |= equal;
        }

        return match ? value.ToString() : null;
    }

    private void ComputeSignature(int keyIndex, ReadOnlySpan<char> value, Span<char> destination)
    {
        var maxBytes = Encoding.UTF8.GetMaxByteCount(value.Length);
        byte[]? rented = null;
        var utf8 = maxBytes <= 256 ? stackalloc byte[256] : (rented = ArrayPool<byte>.Shared.Rent(maxBytes));
        try
        {
            var length = Encoding.UTF8.GetBytes(value, utf8);
            Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
            var hmac = Macs()[keyIndex];
            hmac.AppendData(utf8[..length]);
            hmac.GetHashAndReset(mac);
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

    /// <summary>This thread's HMACs of this signer's keys, set up on first use.</summary>
    private IncrementalHash[] Macs()
    {
        var macs = t_macs;
        if (macs is null || !ReferenceEquals(macs.Keys, _keys))
        {
            macs?.Dispose();
            t_macs = macs = new KeyedMacs(_keys);
        }

        return macs.Hashes;
    }

    private sealed class KeyedMacs(byte[][] keys) : IDisposable
    {
        public byte[][] Keys { get; } = keys;

        public IncrementalHash[] Hashes { get; } = [.. keys.Select(key => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key))];

        public void Dispose()
        {
            foreach (var hash in Hashes)
            {
                hash.Dispose();
            }
        }
    }
}
