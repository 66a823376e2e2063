using System.Buffers.Text;
using System.Security.Cryptography;

namespace Tessera;

/// <summary>
/// express-session's default session ID (uid-safe): 24 bytes from a CSPRNG, base64url-encoded
/// into 32 characters of <c>[A-Za-z0-9_-]</c>.
/// </summary>
internal static class DefaultSessionIdGenerator
{
    public const int Length = 32;

    public static string Generate()
    {
        Span<byte> bytes = stackalloc byte[24];
        RandomNumberGenerator.Fill(bytes);
        return Base64Url.EncodeToString(bytes);
    }
}
