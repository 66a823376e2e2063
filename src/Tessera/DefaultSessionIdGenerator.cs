using System.Buffers.Text;
using System.Security.Cryptography;

namespace Tessera;

/// <summary>
/// express-session's default session ID (uid-safe): 24 bytes from a CSPRNG, base64url-encoded
/// into 32 characters of <c>[A-Za-z0-9_-]</c>.
/// </summary>
/// <remarks>
/// Each ID's bytes are drawn on their own into a stack buffer and erased once encoded: no random
/// bytes of IDs not yet handed out wait in memory (where a heap dump would show them).
/// </remarks>
internal static class DefaultSessionIdGenerator
{
    public const int Length = 32;

    private const int BytesPerId = 24;

    public static string Generate()
    {
        Span<byte> bytes = stackalloc byte[BytesPerId];
        RandomNumberGenerator.Fill(bytes);
        var id = Base64Url.EncodeToString(bytes);
        CryptographicOperations.ZeroMemory(bytes);
        return id;
    }
}
